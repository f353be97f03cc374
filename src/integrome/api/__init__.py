"""api: the FastAPI server (REST `/api/v1`, auth, audit, background jobs).

`integrome.api.app.create_app(settings)` builds the application; routers live in `api/routers/`,
shared dependencies in `api/dependencies.py`, bearer-token verification in `api/jwt.py`. Nothing
is imported here, so `integrome.api.jwt` can be used without loading FastAPI.
"""
