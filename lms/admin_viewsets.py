from wagtail.users.views.users import UserViewSet as WagtailUserViewSet

from lms.admin_forms import StackableUserCreationForm, StackableUserEditForm


class UserViewSet(WagtailUserViewSet):
    def get_form_class(self, for_update: bool = False) -> type:
        return StackableUserEditForm if for_update else StackableUserCreationForm
