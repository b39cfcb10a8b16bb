from typing import Any

from django.apps import AppConfig


class ContentConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "content"

    def ready(self) -> None:
        from django.db.models.signals import post_delete, post_save
        from wagtail.signals import copy_for_translation_done, page_unpublished, post_page_move

        # Cached course outlines follow every change to the page tree.
        post_save.connect(_page_saved_or_deleted, dispatch_uid="content-outline-save")
        post_delete.connect(_page_deleted, dispatch_uid="content-outline-delete")
        page_unpublished.connect(_page_saved_or_deleted, dispatch_uid="content-outline-unpublish")
        post_page_move.connect(_page_moved, dispatch_uid="content-outline-move")
        copy_for_translation_done.connect(_page_translated, dispatch_uid="content-course-translated")
        # Cached catalog fragments show skills and images, and list only the courses a visitor may see.
        from django.db.models.signals import m2m_changed
        from wagtail.documents import get_document_model
        from wagtail.images import get_image_model
        from wagtail.models import PageViewRestriction

        from content.models import Skill

        # A lesson's cached body links documents and shows images (content.templatetags.content_tags.lesson_body).
        for sender in (Skill, PageViewRestriction, get_image_model(), get_document_model()):
            post_save.connect(_catalog_changed, sender=sender, dispatch_uid=f"content-catalog-save-{sender.__name__}")
            post_delete.connect(_catalog_changed, sender=sender, dispatch_uid=f"content-catalog-del-{sender.__name__}")
        m2m_changed.connect(
            _catalog_changed, sender=PageViewRestriction.groups.through, dispatch_uid="content-catalog-groups"
        )
        # The course page's cached facts show its instructors' names.
        from django.contrib.auth import get_user_model
        from django.db.models.signals import pre_delete

        person = get_user_model()
        post_save.connect(_person_saved, sender=person, dispatch_uid="content-instructor-save")
        pre_delete.connect(_person_deleted, sender=person, dispatch_uid="content-instructor-delete")


def _catalog_changed(sender: Any, **kwargs: Any) -> None:
    from content.selectors import catalog_changed

    catalog_changed()


# A user's save that may change how their name reads (anything but a login's `last_login`, say).
_NAME_FIELDS = frozenset({"display_name", "email"})


def _person_saved(sender: Any, instance: Any, created: bool = False, update_fields: Any = None, **kwargs: Any) -> None:
    if created or (update_fields is not None and not _NAME_FIELDS & set(update_fields)):
        return
    from content.selectors import instructor_changed

    instructor_changed(user_id=instance.pk)


def _person_deleted(sender: Any, instance: Any, **kwargs: Any) -> None:
    from content.selectors import instructor_changed

    instructor_changed(user_id=instance.pk)


def _page_saved_or_deleted(sender: Any, instance: Any, **kwargs: Any) -> None:
    from wagtail.models import Page

    from content.selectors import page_changed

    if isinstance(instance, Page) and instance.path:
        page_changed(page=instance)


def _page_deleted(sender: Any, instance: Any, **kwargs: Any) -> None:
    """A deleted page may have been its translation group's original: the cached answer is forgotten first."""
    from wagtail.models import Page

    from content.translations import original_forget

    if isinstance(instance, Page):
        original_forget(translation_key=instance.translation_key)
    _page_saved_or_deleted(sender, instance, **kwargs)


def _page_moved(sender: Any, instance: Any, parent_page_before: Any, parent_page_after: Any, **kwargs: Any) -> None:
    from content.selectors import page_changed

    for page in (parent_page_before, parent_page_after, instance):
        page_changed(page=page)


def _page_translated(sender: Any, source_obj: Any, target_obj: Any, **kwargs: Any) -> None:
    """A course copied for translation: its instructors may edit the copy (content.services)."""
    from content.models import CoursePage
    from content.services import course_setup_permissions

    if isinstance(target_obj, CoursePage):
        from content.services import page_ancestors_translate

        # The admin's action leaves an untranslated Home or Catalog as an alias: the course needs real ones.
        page_ancestors_translate(page=source_obj, language=target_obj.locale.language_code)
        course_setup_permissions(course=target_obj)
