"""Django REST Framework with its default exception handler, in one file.
Run by capture.sh: python3 drf_app.py PORT (Django's development server on
127.0.0.1)."""
import sys

from django.conf import settings

settings.configure(
    DEBUG=False,
    ALLOWED_HOSTS=["127.0.0.1", "localhost"],
    ROOT_URLCONF=__name__,
    SECRET_KEY="fixture-capture-only",
    INSTALLED_APPS=["django.contrib.contenttypes", "django.contrib.auth", "rest_framework"],
    MIDDLEWARE=[],
    DATABASES={},
    REST_FRAMEWORK={"DEFAULT_AUTHENTICATION_CLASSES": [], "DEFAULT_PERMISSION_CLASSES": [],
                    "UNAUTHENTICATED_USER": None},
)

import django  # noqa: E402

django.setup()

from django.http import Http404  # noqa: E402
from django.urls import path  # noqa: E402
from rest_framework import serializers  # noqa: E402
from rest_framework.decorators import api_view  # noqa: E402
from rest_framework.response import Response  # noqa: E402


class AddressSerializer(serializers.Serializer):
    city = serializers.CharField()
    zip = serializers.RegexField(r"^\d{5}$")


class UserSerializer(serializers.Serializer):
    # Form order: email before age. DRF reports errors in this order.
    email = serializers.EmailField()
    age = serializers.IntegerField(min_value=18)
    address = AddressSerializer(required=False)
    password = serializers.CharField(required=False)
    password2 = serializers.CharField(required=False)

    def validate(self, data):
        if data.get("password") != data.get("password2"):
            raise serializers.ValidationError("Passwords do not match.")
        return data


@api_view(["POST"])
def users(request):
    s = UserSerializer(data=request.data)
    s.is_valid(raise_exception=True)
    return Response(s.validated_data, status=201)


@api_view(["GET"])
def user(request, pk):
    raise Http404


urlpatterns = [path("users", users), path("users/<int:pk>", user)]

if __name__ == "__main__":
    from django.core.management import execute_from_command_line

    execute_from_command_line([sys.argv[0], "runserver", "--noreload", "--nothreading", f"127.0.0.1:{sys.argv[1]}"])
