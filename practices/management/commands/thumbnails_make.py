from typing import Any

from django.core.management.base import BaseCommand

from practices.services import attachment_thumbnails_refresh


class Command(BaseCommand):
    help = (
        "Make the thumbnails (practices/images.py) of images attached before the platform made "
        "them at upload. Idempotent: images that have their sizes are left alone."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        done, failed = attachment_thumbnails_refresh()
        self.stdout.write(f"{done} image(s) given thumbnails; {failed} could not be read.")
