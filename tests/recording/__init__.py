"""Tests of the recording app."""
