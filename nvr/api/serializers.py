"""Base serializer: RFC 3339 UTC timestamps for every model DateTimeField."""

from django.db import models
from rest_framework import serializers

from nvr.api.fields import RFC3339Field


class ModelSerializer(serializers.ModelSerializer):
    serializer_field_mapping = {
        **serializers.ModelSerializer.serializer_field_mapping,
        models.DateTimeField: RFC3339Field,
    }
