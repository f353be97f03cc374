"""CDS Hooks 2.0 endpoints: discovery, the three services and their feedback.

Every call needs the EHR's signed JWT (`api.cds_security`); it is checked before the body is even
read, so an unauthenticated caller learns nothing but 401. Bodies are parsed here rather than by
FastAPI for the same reason, and the work runs in the thread pool. Cards are built by
`deliver.cds_hooks` from what `api.cds_context` gathers; responses are plain JSON (the response
models below document the shapes, they are not run on the hot path).
"""

from __future__ import annotations

import json
import threading
from typing import Annotated, Any, Literal, TypeVar

import orjson
from fastapi import APIRouter, Depends, FastAPI, HTTPException, Request, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from integrome.api.cds_context import CdsRuntime, HookRequest, PreconditionFailed, TokenUse
from integrome.api.cds_security import CdsCaller
from integrome.api.dependencies import client_ip
from integrome.api.jwt import TokenError
from integrome.api.problems import problem_response, problem_responses
from integrome.deliver.cds_hooks import (
    SERVICES,
    DraftOrder,
    ServiceDefinition,
    discovery,
    draft_orders,
    order_cards,
    patient_view_cards,
)
from integrome.errors import InputError
from integrome.storage.base import CdsFeedback

__all__ = ["router"]

router = APIRouter(tags=["CDS Hooks"])
_bearer = HTTPBearer(
    auto_error=False, description="The EHR's signed JWT (CDS Hooks 2.0, Trusting CDS Clients)"
)
_runtime_lock = threading.Lock()
_SERVICES = {service.id: service for service in SERVICES}

M = TypeVar("M", bound=BaseModel)


# -- documented shapes (CDS Hooks 2.0) --------------------------------------------------------


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class CdsCoding(_Strict):
    system: str | None = None
    code: str
    display: str | None = None


class CardSource(_Strict):
    label: str
    url: str | None = None
    icon: str | None = None
    topic: CdsCoding | None = None


class CardAction(_Strict):
    type: Literal["create", "update", "delete"]
    description: str
    resource: dict[str, Any] | None = None
    resourceId: str | None = None


class CardSuggestion(_Strict):
    label: str
    uuid: str | None = None
    isRecommended: bool | None = None
    actions: list[CardAction] | None = None


class Card(_Strict):
    uuid: str | None = None
    summary: str = Field(max_length=139, description="one sentence, under 140 characters")
    detail: str | None = Field(default=None, description="GitHub-flavoured Markdown")
    indicator: Literal["info", "warning", "critical"]
    source: CardSource
    suggestions: list[CardSuggestion] | None = None
    selectionBehavior: Literal["at-most-one", "any"] | None = None
    overrideReasons: list[CdsCoding] | None = None


class CardsResponse(_Strict):
    cards: list[Card]


class ServiceDescription(_Strict):
    hook: str
    title: str
    description: str
    id: str
    prefetch: dict[str, str]


class DiscoveryResponse(_Strict):
    services: list[ServiceDescription]


class AcceptedSuggestion(BaseModel):
    id: str = Field(min_length=1, max_length=200)


class OverrideReason(BaseModel):
    reason: CdsCoding | None = None
    userComment: str | None = Field(default=None, max_length=4000)


class Feedback(BaseModel):
    card: str = Field(min_length=1, max_length=100)
    outcome: Literal["accepted", "overridden"]
    acceptedSuggestions: list[AcceptedSuggestion] | None = None
    overrideReason: OverrideReason | None = None
    outcomeTimestamp: str = Field(min_length=1, max_length=40)


class FeedbackRequest(BaseModel):
    feedback: list[Feedback] = Field(min_length=1, max_length=100)


class FeedbackStored(_Strict):
    stored: int


# -- wiring -----------------------------------------------------------------------------------


def cds_runtime(app: FastAPI) -> CdsRuntime:
    """The app's CDS Hooks state (verifier, knowledge base, caches, writer), created on first use
    or by the server's warm-up (`api.app.warm_up`)."""
    runtime: CdsRuntime | None = getattr(app.state, "cds", None)
    if runtime is None:
        with _runtime_lock:
            runtime = getattr(app.state, "cds", None)
            if runtime is None:
                runtime = CdsRuntime(app.state.settings, app.state.repository, app.state.pseudonym_key)
                app.state.cds = runtime
    return runtime


async def get_runtime(request: Request) -> CdsRuntime:
    """Async: it never blocks once created, and a sync dependency would cost every call a
    thread-pool round trip."""
    return cds_runtime(request.app)


Runtime = Annotated[CdsRuntime, Depends(get_runtime)]


def _audiences(request: Request, runtime: CdsRuntime) -> list[str]:
    """The `aud` values this endpoint accepts: its own URL (spec: "the CDS Service endpoint that is
    being invoked"); feedback also accepts the URL of the service it reports on."""
    base = (runtime.settings.cds_base_url or str(request.base_url)).rstrip("/")
    root = f"{base}/cds-services"
    service = request.path_params.get("service_id")
    if service is None:
        return [root]
    own = f"{root}/{service}"
    if request.url.path.endswith("/feedback"):
        return [own, f"{own}/feedback"]
    return [own]


Credentials = Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]


def _unauthorized(exc: TokenError) -> HTTPException:
    return HTTPException(401, str(exc), headers={"WWW-Authenticate": 'Bearer error="invalid_token"'})


def _verified(request: Request, token: str | None, runtime: CdsRuntime) -> CdsCaller:
    """The verified caller; its `jti` is not yet claimed."""
    if token is None:
        raise HTTPException(
            401, "a bearer JWT from a trusted CDS client is required", headers={"WWW-Authenticate": "Bearer"}
        )
    try:
        return runtime.verifier.verify(token, _audiences(request, runtime))
    except TokenError as exc:
        raise _unauthorized(exc) from exc


async def cds_caller(request: Request, credentials: Credentials, runtime: Runtime) -> CdsCaller:
    """401 unless the call carries a valid, unused JWT from a configured CDS client. Async, like
    every dependency here: the check is CPU only, and a sync dependency would cost a thread-pool
    round trip."""
    caller = _verified(request, credentials.credentials if credentials else None, runtime)
    try:
        await runtime.claim(TokenUse(caller))
    except TokenError as exc:
        raise _unauthorized(exc) from exc
    return caller


Caller = Annotated[CdsCaller, Depends(cds_caller)]


def _service(service_id: str) -> ServiceDefinition:
    service = _SERVICES.get(service_id)
    if service is None:
        raise HTTPException(404, f"no CDS service {service_id!r}; see GET /cds-services")
    return service


def _parse(raw: bytes, model: type[M]) -> M:
    """The body as `model`; errors name the field, never echo the value (it may be patient data)."""
    try:
        data = json.loads(raw)
    except ValueError as exc:
        raise HTTPException(400, "the request body is not JSON") from exc
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        error = exc.errors()[0]
        where = ".".join(str(part) for part in error["loc"]) or "body"
        raise HTTPException(422, f"{where}: {error['msg']}") from exc


def _json(payload: dict[str, Any]) -> Response:
    return Response(orjson.dumps(payload), media_type="application/json")


def _inline(node: Any, definitions: dict[str, Any]) -> Any:
    """The schema with its `$defs` references replaced by the definitions (OpenAPI resolves `#/...`
    against the whole document, so a request body schema must be self-contained)."""
    if isinstance(node, dict):
        reference = node.get("$ref")
        if isinstance(reference, str) and reference.startswith("#/$defs/"):
            return _inline(definitions[reference.removeprefix("#/$defs/")], definitions)
        return {key: _inline(value, definitions) for key, value in node.items() if key != "$defs"}
    if isinstance(node, list):
        return [_inline(item, definitions) for item in node]
    return node


def _body_schema(model: type[BaseModel]) -> dict[str, Any]:
    """`openapi_extra` documenting the body the endpoint parses itself."""
    schema = model.model_json_schema()
    inlined = _inline(schema, schema.get("$defs", {}))
    return {"requestBody": {"required": True, "content": {"application/json": {"schema": inlined}}}}


# -- endpoints --------------------------------------------------------------------------------


@router.get(
    "/cds-services",
    summary="CDS Hooks discovery",
    response_model=DiscoveryResponse,
    responses=problem_responses(401),
)
async def discover(_caller: Caller) -> Response:
    return _json(discovery())


@router.post(
    "/cds-services/{service_id}",
    summary="Call a CDS service (patient-view, order-select, order-sign)",
    response_model=CardsResponse,
    responses=problem_responses(400, 401, 404, 412, 422),
    openapi_extra={**_body_schema(HookRequest), "security": [{"HTTPBearer": []}]},
)
async def call_service(service_id: str, request: Request) -> Response:
    """The cards for this call. The token's `jti` is claimed with the patient lookup and audit row;
    a call failing before that still claims it, so no token serves twice (a replay is 401 even
    when the body is also wrong).

    The token is read and checked here rather than by dependencies: this is the one
    latency-bound endpoint, and dependency resolution cost a measurable share of its CPU."""
    runtime = await get_runtime(request)
    credentials = await _bearer(request)
    use = TokenUse(_verified(request, credentials.credentials if credentials else None, runtime))
    try:
        return await _answer(service_id, request, use, runtime)
    except TokenError as exc:
        raise _unauthorized(exc) from exc
    except Exception:
        if not use.claimed:
            try:
                await runtime.claim(use)
            except TokenError as exc:
                raise _unauthorized(exc) from exc
        raise


async def _answer(service_id: str, request: Request, use: TokenUse, runtime: CdsRuntime) -> Response:
    """Cards are built on the event loop: from a cached patient they take well under a
    millisecond, less than a thread-pool round trip."""
    service = _service(service_id)
    body = _parse(await request.body(), HookRequest)
    if body.hook != service.hook:
        raise HTTPException(
            422, f"hook: this service answers {service.hook!r}, the request is for {body.hook!r}"
        )
    orders = _orders(service, body)
    try:
        data = await runtime.patient_data(body, use, client_ip=client_ip(request))
    except PreconditionFailed as exc:
        return problem_response(412, str(exc))
    if orders is None:
        cards = patient_view_cards(
            data.patient,
            runtime.kb,
            hook_instance=body.hookInstance,
            patient_reference=data.patient_reference,
        )
    else:
        cards = order_cards(
            data.patient,
            orders,
            runtime.kb,
            hook_instance=body.hookInstance,
            patient_reference=data.patient_reference,
        )
    return _json({"cards": cards})


def _orders(service: ServiceDefinition, body: HookRequest) -> list[DraftOrder] | None:
    """The draft orders an order hook checks (`context.selections` narrows order-select's)."""
    if service.hook not in ("order-select", "order-sign"):
        return None
    selections = None
    if service.hook == "order-select":
        raw = body.context.get("selections")
        if not isinstance(raw, list) or not raw or not all(isinstance(s, str) for s in raw):
            raise InputError("request", "context.selections", "expected the ids of the selected orders")
        selections = raw
    return draft_orders(body.context.get("draftOrders"), selections)


@router.post(
    "/cds-services/{service_id}/feedback",
    summary="Feedback on cards of a CDS service",
    response_model=FeedbackStored,
    responses=problem_responses(400, 401, 404, 422),
    openapi_extra=_body_schema(FeedbackRequest),
)
async def feedback(service_id: str, request: Request, caller: Caller, runtime: Runtime) -> Response:
    """Stores each feedback entry (spec "Feedback"): accepted suggestions, or the override reason
    as `system|code` with the user's comment."""
    service = _service(service_id)
    body = _parse(await request.body(), FeedbackRequest)
    entries = []
    for index, item in enumerate(body.feedback):
        if item.outcome == "accepted" and not item.acceptedSuggestions:
            raise HTTPException(
                422, f"feedback.{index}.acceptedSuggestions: required for an accepted outcome"
            )
        reason = item.overrideReason.reason if item.overrideReason is not None else None
        entries.append(
            CdsFeedback(
                service_id=service.id,
                card_id=item.card,
                outcome=item.outcome,
                outcome_timestamp=item.outcomeTimestamp,
                accepted_suggestions=tuple(s.id for s in item.acceptedSuggestions or ()),
                override_reason=f"{reason.system}|{reason.code}"
                if reason and reason.system
                else (reason.code if reason else None),
                override_comment=item.overrideReason.userComment if item.overrideReason is not None else None,
                client=caller.issuer,
            )
        )

    def store() -> None:
        with runtime.repository.transaction() as tx:
            for entry in entries:
                tx.add_cds_feedback(entry)

    await run_in_threadpool(store)
    return _json({"stored": len(entries)})
