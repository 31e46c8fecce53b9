from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "ponte.web"
    label = "web"

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_in

        from ponte.accounts.models import Member
        from ponte.desk.presence import do_mark_seen

        def seen_signing_in(sender, request, user, **kwargs) -> None:
            # Signing in is being at the desk (automatic assignment counts who is online).
            for org_id in Member.objects.filter(user=user).values_list("org_id", flat=True):
                do_mark_seen(org_id, user.pk)

        user_logged_in.connect(seen_signing_in, weak=False,
                               dispatch_uid="ponte-web-seen-signing-in")
