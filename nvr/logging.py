"""Logging filter that masks credentials (`scheme://user:pass@`) in every log line."""

import logging

from nvr.masking import mask_credentials


class MaskCredentialsFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a broken format string is the caller's bug; leave the record alone
            return True
        masked = mask_credentials(message)
        if masked != message:
            record.msg, record.args = masked, None
        return True
