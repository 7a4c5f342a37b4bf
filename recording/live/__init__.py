"""Live view on the web side: the tap protocol, the live fMP4 muxer, the per-process hub and the websocket."""
