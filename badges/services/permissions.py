"""Who may issue and revoke badges: platform admins, and the instructors of a badge's course."""

from __future__ import annotations

from badges.models import Achievement, Award
from content.models import CoursePage
from lms.models import User


def user_is_badge_admin(user: User) -> bool:
    return bool(user.is_active and (user.is_superuser or user.has_perm("badges.revoke_award")))


def _admin_or_instructor(user: User, course: CoursePage | None) -> bool:
    """Platform admins, and the instructors of `course` (None: a badge of no course, admins only)."""
    if not user.is_authenticated or not user.is_active:
        return False
    if user_is_badge_admin(user):
        return True
    return course is not None and course.instructors.filter(pk=user.pk).exists()


def user_can_revoke(*, user: User, award: Award) -> bool:
    """Platform admins, and the instructors of the award's course."""
    achievement = award.achievement if award.achievement_id else None
    return _admin_or_instructor(user, achievement.course if achievement and achievement.course_id else None)


def user_can_issue(*, user: User, achievement: Achievement) -> bool:
    """Who may issue a badge to its course's completers: platform admins, and the course's instructors."""
    return _admin_or_instructor(user, achievement.course if achievement.course_id else None)
