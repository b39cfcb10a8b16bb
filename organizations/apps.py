from django.apps import AppConfig


class OrganizationsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "organizations"

    def ready(self) -> None:
        from allauth.account.signals import email_confirmed, user_signed_up

        from organizations.signup import on_email_confirmed, on_user_signed_up

        # Sign-up from an invitation accepts it (organizations.signup).
        user_signed_up.connect(on_user_signed_up, dispatch_uid="organizations_invitation_signup")
        email_confirmed.connect(on_email_confirmed, dispatch_uid="organizations_invitation_confirmed")
