import pytest

from .fakes import ResendFake, TwilioFake


@pytest.fixture(scope="session")
def resend_server():
    fake = ResendFake().start()
    try:
        yield fake
    finally:
        fake.stop()


@pytest.fixture
def resend(resend_server, settings):
    """Emails really go out through anymail's Resend backend, to the Resend fake on loopback;
    Resend's webhook signing secret is configured (so its tracking webhook is open)."""
    resend_server.reset()
    settings.EMAIL_BACKEND = "anymail.backends.resend.EmailBackend"
    settings.ANYMAIL = {
        "RESEND_API_KEY": resend_server.api_key,
        "RESEND_API_URL": resend_server.url,
        "RESEND_SIGNING_SECRET": resend_server.signing_secret,
    }
    yield resend_server
    try:
        resend_server.assert_all_served()  # the code called only what the fake serves
    finally:
        resend_server.reset()


@pytest.fixture(scope="session")
def twilio_server():
    fake = TwilioFake().start()
    try:
        yield fake
    finally:
        fake.stop()


@pytest.fixture
def twilio(twilio_server, settings):
    twilio_server.reset()
    settings.SMS_PROVIDER = "twilio"
    settings.TWILIO_ACCOUNT_SID = twilio_server.account_sid
    settings.TWILIO_AUTH_TOKEN = twilio_server.auth_token
    settings.TWILIO_FROM = "+15005550006"
    settings.TWILIO_WHATSAPP_FROM = "+14155238886"
    settings.TWILIO_API_BASE = twilio_server.url
    yield twilio_server
    try:
        twilio_server.assert_all_served()  # the code called only what the fake serves
    finally:
        twilio_server.reset()


@pytest.fixture
def fast_retries(settings):
    settings.EMAIL_MAX_ATTEMPTS = 4
    settings.SMS_MAX_ATTEMPTS = 3
    settings.EMAIL_RETRY_BACKOFF_SECONDS = 1
    settings.EMAIL_RETRY_BACKOFF_MAX_SECONDS = 4


@pytest.fixture
def run_on_commit(django_capture_on_commit_callbacks):
    """``with run_on_commit(): ...`` runs what the block enqueued on commit (eager Celery)."""
    return lambda: django_capture_on_commit_callbacks(execute=True)
