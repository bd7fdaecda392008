"""Writing to an adviser, and the employee's side of a thread: read, reply, reveal."""

from __future__ import annotations

from vpbot.domain.errors import DomainError, NotFound
from vpbot.flows.core import FlowContext, Flows, Interaction, Outcome
from vpbot.flows.employee_common import field_errors, metadata_id, ref_id, text_value
from vpbot.services import booking, threads
from vpbot.services.tenants import tenant_settings
from vpbot.ui.actions import ActionId
from vpbot.ui.notifications import ObjectRef, ObjectType
from vpbot.ui.views import employee_threads as views
from vpbot.ui.views.employee_booking import FIRST_AVAILABLE

__all__ = ["register"]

WRITE_FIELDS = {
    "input.invalid:message": "body",
    "note.too_long": "body",
    "thread.anonymous_not_allowed": views.ANONYMOUS,
    "adviser.unknown": "adviser",
}
REPLY_FIELDS = {"input.invalid:message": "body", "note.too_long": "body"}


def _is_mine(context: FlowContext, thread_id: str) -> bool:
    """Whether the actor writes in this thread as its employee (no side effects)."""
    return any(t.id == thread_id for t in threads.my_threads(context.uow, context.actor))


def _own_thread(context: FlowContext, value: str | None) -> str:
    thread_id = ref_id(value, ObjectType.THREAD)
    if not _is_mine(context, thread_id):
        raise NotFound()
    return thread_id


def register(flows: Flows) -> None:
    """Register the thread handlers."""

    @flows.on_action(ActionId.MENU_WRITE)
    def write(context: FlowContext, interaction: Interaction) -> Outcome:
        cards = booking.list_advisers(context.uow, context.actor)
        allowed = tenant_settings(context.uow, context.actor.tenant_id).anonymous_threads_allowed
        return Outcome.replace(views.write_screen(cards, anonymous_allowed=allowed), interaction)

    @flows.on_submit(views.WRITE)
    def send(context: FlowContext, interaction: Interaction) -> Outcome:
        values = interaction.values
        adviser = text_value(values, "adviser")
        anonymous = views.ANONYMOUS in (values.get(views.ANONYMOUS) or ())
        try:
            view = threads.start_thread(
                context.uow, context.actor, None if adviser in (None, FIRST_AVAILABLE) else adviser,
                text_value(values, "body") or "", anonymous=anonymous,
            )
        except DomainError as error:
            raise field_errors(error, WRITE_FIELDS) from None
        return Outcome.replace(views.sent_screen(view), interaction)

    # The NEW_MESSAGE notification's button (employees and advisers alike): whoever's thread
    # it is opens it, through the openers registered for threads.
    @flows.on_action(ActionId.OPEN_THREAD)
    def open_thread(context: FlowContext, interaction: Interaction) -> Outcome:
        ref = ObjectRef(ObjectType.THREAD, ref_id(interaction.value, ObjectType.THREAD))
        return flows.open_ref(context, ref, interaction)

    @flows.on_ref(ObjectType.THREAD)
    def read(context: FlowContext, thread_id: str, interaction: Interaction) -> Outcome | None:
        if not _is_mine(context, thread_id):
            return None  # perhaps the adviser's side of it
        view = threads.read_thread(context.uow, context.actor, thread_id)
        return Outcome.replace(views.thread_screen(view), interaction)

    @flows.on_action(ActionId.THREAD_REPLY)
    def reply(context: FlowContext, interaction: Interaction) -> Outcome:
        return Outcome.replace(views.reply_screen(_own_thread(context, interaction.value)), interaction)

    @flows.on_submit(views.REPLY)
    def send_reply(context: FlowContext, interaction: Interaction) -> Outcome:
        thread_id = _own_thread(context, metadata_id(interaction.metadata, "thread"))
        try:
            body = text_value(interaction.values, "body") or ""
            threads.post_message(context.uow, context.actor, thread_id, body)
        except DomainError as error:
            raise field_errors(error, REPLY_FIELDS) from None
        view = threads.read_thread(context.uow, context.actor, thread_id)
        return Outcome.replace(views.thread_screen(view, "thread.reply.sent"), interaction)

    @flows.on_action(ActionId.THREAD_REVEAL)
    def confirm_reveal(context: FlowContext, interaction: Interaction) -> Outcome:
        thread_id = _own_thread(context, interaction.value)
        return Outcome.replace(views.reveal_confirm_screen(thread_id), interaction)

    @flows.on_submit(views.REVEAL)
    def reveal(context: FlowContext, interaction: Interaction) -> Outcome:
        thread_id = _own_thread(context, metadata_id(interaction.metadata, "thread"))
        view = threads.reveal_identity(context.uow, context.actor, thread_id)
        return Outcome.replace(views.thread_screen(view, "thread.reveal.done"), interaction)
