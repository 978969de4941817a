"""The outbox: messages queued with the change that causes them and delivered by the worker
through a real SMTP server (aiosmtpd) started by the tests — retries with back-off, no double
sends across workers or after a crash, and the development folder transport."""
import email
import email.policy
import socket
from datetime import timedelta
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import func, select

from app.models import Message
from app.models.messages import FAILED, QUEUED, SENDING, SENT
from app.models.types import utcnow
from app.services import messages, user_import
from tests.helpers import user_by_email

CSV = ("email,name,role,business_unit,job_role\n"
       "maya.okafor@demo.uptake,Maya Okafor,trainee,Sales EMEA,account executive\n"
       "lukas.brandt@demo.uptake,Lukas Brandt,trainee,Customer Service,service agent\n").encode()


class Inbox:
    """An aiosmtpd handler that keeps every message it accepts."""

    def __init__(self):
        self.received = []

    async def handle_DATA(self, server, session, envelope):
        self.received.append((envelope.mail_from, list(envelope.rcpt_tos),
                              email.message_from_bytes(envelope.content, policy=email.policy.default)))
        return "250 Message accepted for delivery"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def smtp(app):
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    app.config.update(SMTP_HOST="127.0.0.1", SMTP_PORT=controller.port, SMTP_STARTTLS=False, SMTP_USER="")
    yield inbox
    controller.stop()
    app.config.update(SMTP_HOST="")


def _import(db):
    admin = user_by_email("admin@demo.uptake")
    return user_import.apply(admin, CSV, "https://uptake.example")


def _count(db, **where):
    return db.session.scalar(select(func.count(Message.id)).filter_by(**where))


def test_imported_people_receive_their_activation_link_by_smtp_once(demo, db, smtp):
    links = dict((user.email, link) for user, link in _import(db))
    assert _count(db, status=QUEUED) == 2 and smtp.received == []  # queued, not sent by the request
    assert messages.deliver_due() == {"sent": 2, "retry": 0, "failed": 0}
    assert sorted(to[0] for _, to, _ in smtp.received) == sorted(links)
    for mail_from, (to,), message in smtp.received:
        assert mail_from == "uptake@localhost" and message["Subject"].startswith("Activate your Uptake account")
        assert message.get_content_type() == "multipart/alternative"
        text = message.get_body(("plain",)).get_content()
        html = message.get_body(("html",)).get_content()
        assert links[to] in text and f'href="{links[to]}"' in html and "Hello" in text
        assert "(UTC)" in text  # the expiry, in the organisation's time zone
    assert _count(db, status=SENT) == 2
    assert messages.deliver_due(now=utcnow() + timedelta(hours=1)) == {"sent": 0, "retry": 0, "failed": 0}
    assert len(smtp.received) == 2


def test_the_organisations_sender_and_time_zone_are_used(demo, db, smtp):
    org = user_by_email("admin@demo.uptake").organisation
    org.sender_address, org.time_zone = "training@northwind.example", "Europe/Madrid"
    db.session.commit()
    _import(db)
    messages.deliver_due()
    mail_from, _, message = smtp.received[0]
    assert mail_from == "training@northwind.example" and message["From"] == "training@northwind.example"
    assert "(Europe/Madrid)" in message.get_body(("plain",)).get_content()
    assert message["Message-ID"].endswith("@northwind.example>")


def test_a_mail_server_that_is_down_gets_retries_with_back_off_then_a_clear_failure(demo, db, app):
    app.config.update(SMTP_HOST="127.0.0.1", SMTP_PORT=free_port(), SMTP_STARTTLS=False)  # nobody listens
    _import(db)
    now = utcnow()
    assert messages.deliver_due(now=now) == {"sent": 0, "retry": 2, "failed": 0}
    first = db.session.scalars(select(Message).order_by(Message.id)).first()
    assert first.status == QUEUED and first.attempts == 1 and "ConnectionRefusedError" in first.last_error
    assert first.next_attempt_at == now + timedelta(minutes=1)
    assert messages.deliver_due(now=now + timedelta(seconds=30))["retry"] == 0  # not due yet
    waits = []
    moment = now
    for attempt in range(2, messages.MAX_ATTEMPTS + 1):
        moment = db.session.get(Message, first.id).next_attempt_at
        counts = messages.deliver_due(now=moment)
        waits.append(db.session.get(Message, first.id).next_attempt_at - moment)
        assert db.session.get(Message, first.id).attempts == attempt
    assert counts["failed"] == 2 and db.session.get(Message, first.id).status == FAILED
    assert waits[:4] == [timedelta(minutes=m) for m in (2, 4, 8, 16)]
    app.config.update(SMTP_HOST="")
    # an admin sends it again: a fresh set of tries (here through the folder transport)
    messages.retry_now(first.organisation_id, first.id)
    assert messages.deliver_due()["sent"] == 1 and db.session.get(Message, first.id).status == SENT


def test_two_workers_never_send_the_same_message_and_a_crashed_send_is_retried_once(demo, db, smtp):
    _import(db)
    ids = db.session.scalars(select(Message.id).order_by(Message.id)).all()
    now = utcnow()
    assert messages._claim(ids[0], now) and not messages._claim(ids[0], now)  # the second worker loses
    # the first worker died before sending: its claim runs out, then the message goes exactly once
    assert messages.deliver_due(now=now) == {"sent": 1, "retry": 0, "failed": 0}
    assert db.session.get(Message, ids[0]).status == SENDING
    later = now + messages.CLAIM + timedelta(seconds=1)
    assert messages.deliver_due(now=later) == {"sent": 1, "retry": 0, "failed": 0}
    assert messages.deliver_due(now=later + timedelta(hours=1))["sent"] == 0
    assert len(smtp.received) == 2 and len({m["Message-ID"] for _, _, m in smtp.received}) == 2


def test_queueing_is_part_of_the_transaction_and_deduplicated(demo, db):
    person = user_by_email("trainee@demo.uptake")
    org = person.organisation
    for _ in range(3):
        messages.queue(org, "activation", person.email, "Hello", "activation", "activation:test",
                       person=person, link="https://x/auth/activate/t", expires="soon")
    db.session.commit()
    assert _count(db, dedup_key="activation:test") == 1
    messages.queue(org, "activation", person.email, "Hello", "activation", "activation:rolled-back",
                   person=person, link="https://x", expires="soon")
    db.session.rollback()  # the change that caused it did not happen, so neither does the message
    assert _count(db, dedup_key="activation:rolled-back") == 0


def test_without_a_mail_server_messages_are_written_to_the_instance_folder(demo, db, app):
    assert messages.transport_name() == "folder"
    _import(db)
    assert messages.deliver_due()["sent"] == 2
    files = sorted((Path(app.instance_path) / "mail").glob("*.eml"))
    assert len(files) == 2
    parsed = email.message_from_bytes(files[0].read_bytes(), policy=email.policy.default)
    assert parsed["To"] in ("maya.okafor@demo.uptake", "lukas.brandt@demo.uptake")
    assert "/auth/activate/" in parsed.get_body(("plain",)).get_content()


def test_an_unexpected_error_while_sending_counts_as_a_failed_try(demo, db, monkeypatch):
    _import(db)
    monkeypatch.setattr(messages, "_deliver", lambda message: (_ for _ in ()).throw(RuntimeError("template bug")))
    assert messages.deliver_due() == {"sent": 0, "retry": 2, "failed": 0}
    first = db.session.scalars(select(Message).order_by(Message.id)).first()
    assert first.status == QUEUED and first.attempts == 1 and first.last_error == "RuntimeError: template bug"
