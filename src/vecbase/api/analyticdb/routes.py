"""The AnalyticDB dialect's one route: ``POST /`` dispatched by action."""

from __future__ import annotations

import logging
from urllib.parse import parse_qsl

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from vecbase.api.analyticdb.rbac import authorize
from vecbase.api.analyticdb.service import AnalyticDBService, run_action
from vecbase.api.analyticdb.signature import verify
from vecbase.api.analyticdb.wire import AdbError, Params, failure, ok
from vecbase.api.credentials import current
from vecbase.api.threads import in_thread

log = logging.getLogger("vecbase.api.analyticdb")
# one form field (``Rows`` of a large upsert, say) may hold this much
MAX_FIELD_BYTES = 256 * 1024 * 1024


def analyticdb_routes(svc: AnalyticDBService) -> list[BaseRoute]:
    async def endpoint(request: Request) -> Response:
        try:
            raw = await request.body()
            if svc.access is not None:
                verify(request.method, request.url.path, request.url.query, request.headers, raw, *svc.access)
            values = dict(request.query_params)
            content_type = request.headers.get("content-type", "")
            if content_type.startswith("application/x-www-form-urlencoded"):
                # the SDK's bodies: parsed in one call, with no per-field size limit
                values.update(parse_qsl(raw.decode("utf-8", errors="replace"), keep_blank_values=True))
            elif content_type.startswith("multipart/"):
                form = await request.form(max_part_size=MAX_FIELD_BYTES)
                values.update({k: v for k, v in form.items() if isinstance(v, str)})
            action = request.headers.get("x-acs-action") or values.get("Action")
            if not action:
                raise AdbError("MissingParameter", "The action is missing: send x-acs-action or Action.")
            params = Params(values)
            authorize(action, current(request.scope), params)
            body = await in_thread(run_action, svc, action, params)
            return ok(body)
        except AdbError as exc:
            return failure(exc)
        except HTTPException as exc:  # a body the form parser refuses
            return failure(AdbError("InvalidParameter", str(exc.detail), exc.status_code))
        except Exception:
            log.exception("AnalyticDB action failed")
            return failure(
                AdbError("InternalError", "The request processing has failed due to some unknown error.", 500)
            )

    return [Route("/", endpoint, methods=["POST"])]
