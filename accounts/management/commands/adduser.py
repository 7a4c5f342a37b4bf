"""Create a console user from the command line (password from --password-stdin or generated)."""

import sys

from django.core.management.base import BaseCommand, CommandError
from rest_framework.exceptions import ValidationError

from accounts import capabilities as caps
from accounts import services
from accounts.api.serializers import UserCreateSerializer
from accounts.models import User
from accounts.principal import SYSTEM


class Command(BaseCommand):
    help = "Create a user. Prints a generated password once unless --password-stdin is given."

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--role", default="viewer", choices=caps.ROLES)
        parser.add_argument("--display-name", default=None)
        parser.add_argument("--password-stdin", action="store_true", help="read the password from standard input")

    def handle(self, *args, username, role, display_name, password_stdin, **options):
        import secrets

        password = sys.stdin.readline().rstrip("\n") if password_stdin else secrets.token_urlsafe(12)
        body = UserCreateSerializer(data={"username": username, "password": password, "role": role,
                                          "display_name": display_name})
        if not body.is_valid():
            raise CommandError("; ".join(f"{k}: {' '.join(map(str, v))}" for k, v in body.errors.items()))
        if User.objects.filter(username=body.validated_data["username"]).exists():
            raise CommandError(f"user '{username}' already exists")
        try:
            user = services.create_user(SYSTEM, **body.validated_data)
        except ValidationError as exc:
            raise CommandError(str(exc.detail)) from None
        self.stdout.write(f"created user {user.username} ({user.role}), id {user.pk}")
        if not password_stdin:
            self.stdout.write(f"password (shown once): {password}")
