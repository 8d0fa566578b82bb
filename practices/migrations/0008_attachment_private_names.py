"""Attachments stored under the uploader's file name move to a random name; the file name
they had is kept in `original_name` for downloads (see practices.models.attachment_stored_name).
A file is deleted from its old name only once the migration's transaction has committed, so a
failed run loses nothing (at worst it leaves a copy under an unused name)."""

import functools
import secrets
import unicodedata

from django.db import migrations, models, transaction


def _clean(name):
    name = name.replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(ch for ch in name if unicodedata.category(ch) not in ("Cc", "Cs"))
    return name.strip().lstrip(".")[-200:]


def move_to_random_names(apps, schema_editor):
    Attachment = apps.get_model("practices", "PracticeAttachment")
    for attachment in Attachment.objects.all().iterator():
        old = attachment.file.name
        if not old:
            continue
        base = old.rsplit("/", 1)[-1]
        _stem, dot, extension = base.rpartition(".")
        new = (
            f"practices/{attachment.practice_id}/{secrets.token_urlsafe(24)}"
            f"{'.' + extension.lower() if dot else ''}"
        )
        attachment.original_name = attachment.original_name or _clean(base)
        storage = attachment.file.storage
        if storage.exists(old):
            with storage.open(old, "rb") as content:
                attachment.file.name = storage.save(new, content)
            transaction.on_commit(functools.partial(storage.delete, old))
        attachment.save(update_fields=["file", "original_name"])


class Migration(migrations.Migration):
    dependencies = [
        ("practices", "0007_practice_edited_by"),
    ]

    operations = [
        migrations.AddField(
            model_name="practiceattachment",
            name="original_name",
            field=models.CharField(blank=True, max_length=200),
        ),
        migrations.RunPython(move_to_random_names, migrations.RunPython.noop, elidable=True),
    ]
