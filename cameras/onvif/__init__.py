"""ONVIF: `client` is the only code that speaks SOAP; `events` keeps a PullPoint subscription alive; `clock` and
`messages` are its pure parts (camera clock offset, notification parsing)."""
