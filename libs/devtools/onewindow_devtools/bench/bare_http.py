"""The gateway's baseline: a bare FastAPI endpoint that accepts the same request model and does
nothing else, served by uvicorn exactly as the gateway is. `python -m onewindow_devtools.bench.bare_http PORT`."""

from __future__ import annotations

import sys

import uvicorn
from fastapi import FastAPI

from onewindow_gateway.schemas import ApplicationIn

app = FastAPI(title="bare endpoint (benchmark baseline)")


@app.post("/api/v1/applications", status_code=202)
async def accept(body: ApplicationIn) -> dict[str, str]:
    return {"application_id": "bare", "status": "accepted", "item_code": body.item_code}


if __name__ == "__main__":
    # the same server settings as the gateway, so the ratio compares the application alone
    uvicorn.run(app, host="127.0.0.1", port=int(sys.argv[1]), log_config=None, access_log=False, loop="uvloop",
                http="httptools")
