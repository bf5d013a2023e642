"""Routes of highway-sdk 1.0.1's users and rbac operations.

Users need an admin; rbac is for any role. Roles are the API's own three (admin, operator, viewer): the rbac
operations derive each role's permissions, one per operation of the OpenAPI document, from the least role each
operation declares, so they can never disagree with what `_state.authenticate` enforces. Changing a person's rights
forgets their tokens from this process's principal cache at once.
"""

from __future__ import annotations

import functools
from typing import Any

import yaml
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from hwe import db, errors, people, tenants
from services.api import _changes, _openapi, _people, _query, _state

ROLE_DESCRIPTIONS = {
    "admin": "Everything operators may, and the tenant's keys, users, invitations, webhooks and settings",
    "operator": "Everything viewers may, and submitting, cancelling, retrying and signalling runs, and schedules",
    "viewer": "Reading runs, definitions, logs, metrics and the audit trail",
}

OPENAPI_SCHEMAS: dict[str, Any] = yaml.safe_load(r"""
UserRequest:
  type: object
  required: [email]
  additionalProperties: false
  properties:
    email: {type: string, format: email, maxLength: 254}
    role: {$ref: '#/components/schemas/Role'}
    roles: {type: array, minItems: 1, items: {$ref: '#/components/schemas/Role'}, description: "instead of role"}
    display_name: {type: string, maxLength: 200}
UserChange:
  type: object
  additionalProperties: false
  properties:
    roles: {type: array, minItems: 1, items: {$ref: '#/components/schemas/Role'}, description: "replaces them all"}
    display_name: {type: string, maxLength: 200}
    is_active: {type: boolean, description: "false: the person's sessions and tokens stop working at once"}
RoleRequest:
  type: object
  required: [role]
  additionalProperties: false
  properties:
    role: {$ref: '#/components/schemas/Role'}
User:
  type: object
  required: [tenant_id, email, display_name, role, roles, is_active, has_password, created_at]
  properties:
    tenant_id: {type: string}
    email: {type: string}
    display_name: {type: string}
    role: {$ref: '#/components/schemas/Role'}
    roles: {type: array, items: {$ref: '#/components/schemas/Role'}}
    is_active: {type: boolean}
    has_password: {type: boolean, description: "false until the person accepts an invitation"}
    created_at: {type: string, format: date-time}
    updated_at: {type: string, format: date-time}
    last_login: {type: [string, "null"], format: date-time}
    created_by: {type: [string, "null"]}
UserList:
  type: object
  required: [users, total, page, per_page]
  properties:
    users: {type: array, items: {$ref: '#/components/schemas/User'}}
    total: {type: integer}
    page: {type: integer}
    per_page: {type: integer}
RoleAssignment:
  type: object
  required: [email, role, roles, message]
  properties:
    email: {type: string}
    role: {type: string, description: "the role added or removed"}
    roles: {type: array, items: {$ref: '#/components/schemas/Role'}}
    message: {type: string}
RemovedUser:
  type: object
  required: [email, message]
  properties:
    email: {type: string}
    message: {type: string}
RoleList:
  type: object
  required: [tenant, roles]
  properties:
    tenant: {type: string}
    roles:
      type: array
      items:
        type: object
        required: [role, description, permissions]
        properties:
          role: {$ref: '#/components/schemas/Role'}
          description: {type: string}
          permissions: {type: array, items: {type: string}, description: "operation ids"}
MyRoles:
  type: object
  required: [user_email, tenant, roles]
  properties:
    user_email: {type: [string, "null"], description: "null for a machine key"}
    tenant: {type: string}
    roles:
      type: array
      items:
        type: object
        required: [role, description]
        properties:
          role: {$ref: '#/components/schemas/Role'}
          description: {type: string}
MyPermissions:
  type: object
  required: [user_email, tenant, role, permissions]
  properties:
    user_email: {type: [string, "null"]}
    tenant: {type: string}
    role: {$ref: '#/components/schemas/Role'}
    permissions:
      type: array
      items: {type: object, required: [name], properties: {name: {type: string}}}
PermissionRoles:
  type: object
  required: [permission, least_role, roles_with_permission]
  properties:
    permission: {type: string}
    least_role: {$ref: '#/components/schemas/Role'}
    roles_with_permission: {type: array, items: {$ref: '#/components/schemas/Role'}}
""")


async def create_user(request: Request) -> Response:
    """Adds a person to the caller's tenant with one or more roles.

    They have no password until they accept an invitation (POST /api/v1/admin/invitations); until then they cannot
    sign in, but an admin may give them a personal token.
    ---
    tags: [users]
    x-role: admin
    x-body: UserRequest
    parameters:
      - $ref: '#/components/parameters/IdempotencyKey'
    responses:
      201: {description: the new user, x-data: User}
    """
    principal = await _state.authenticate(request, require="admin")
    body = await _state.read_json_object(request, ("email", "role", "roles", "display_name"))
    roles = people.check_roles(_people.roles_field(body, default=None))
    email, display_name = people.normalize_email(body.get("email")), body.get("display_name", "")

    def create(conn: db.Connection) -> dict[str, Any]:
        return people.create_user(conn, principal.tenant_id, email, roles, display_name, _people.actor(principal))

    idempotency = _state.idempotency(request, "create_user", body)
    user = await _changes.change(request, principal, tenants.once, principal.tenant_id, idempotency, create)
    return _state.success(user, status=201)


async def list_users(request: Request) -> Response:
    """A page of the caller's tenant's people, by email, optionally only those holding a role.

    ---
    tags: [users]
    x-role: admin
    parameters:
      - {name: role, in: query, schema: {$ref: '#/components/schemas/Role'}}
      - {name: page, in: query, schema: {type: integer, minimum: 1, maximum: 1000, default: 1}}
      - {name: per_page, in: query, schema: {type: integer, minimum: 1, maximum: 200, default: 50}}
    responses:
      200: {description: the users, x-data: UserList}
    """
    principal = await _state.authenticate(request, require="admin")
    params = _query.query(request, ("role", "page", "per_page"))
    role = _query.choice(params, "role", tenants.ROLES)
    page = _people.page(params)
    users, total = await _state.get(request).call(people.list_users, principal.tenant_id, role, page)
    return _state.success(_people.page_answer("users", users, total, page))


async def get_user(request: Request) -> Response:
    """One person of the caller's tenant, with their roles.

    ---
    tags: [users]
    x-role: admin
    responses:
      200: {description: the user, x-data: User}
    """
    principal = await _state.authenticate(request, require="admin")
    user = await _state.get(request).call(people.get_user, principal.tenant_id, request.path_params["email"])
    return _state.success(user)


async def update_user(request: Request) -> Response:
    """Changes a person's roles (all at once), display name, or whether they are active.

    A person made inactive is refused from their next request on, with every session and token they have.
    ---
    tags: [users]
    x-role: admin
    x-body: UserChange
    responses:
      200: {description: the user as they are now, x-data: User}
    """
    principal = await _state.authenticate(request, require="admin")
    body = await _state.read_json_object(request, ("roles", "display_name", "is_active"))
    active = body.get("is_active")
    if active is not None and not isinstance(active, bool):
        raise errors.InvalidRequest("invalid_is_active", "is_active: true or false")
    roles = None if body.get("roles") is None else people.check_roles(body["roles"])
    email = request.path_params["email"]
    forget = await _state.get(request).call(people.live_token_prefixes, principal.tenant_id, email)
    user = await _changes.change(
        request, principal, people.update_user, principal.tenant_id, email, roles, body.get("display_name"), active
    )
    _people.forget(request, forget)
    return _state.success(user)


async def delete_user(request: Request) -> Response:
    """Removes a person from the caller's tenant, with their roles, personal tokens and sessions.

    ---
    tags: [users]
    x-role: admin
    responses:
      200: {description: the user is removed, x-data: RemovedUser}
    """
    principal = await _state.authenticate(request, require="admin")
    email = request.path_params["email"]
    forget = await _state.get(request).call(people.live_token_prefixes, principal.tenant_id, email)
    removed = await _changes.change(request, principal, people.delete_user, principal.tenant_id, email)
    _people.forget(request, forget)
    return _state.success({"email": removed, "message": f"user {removed} removed"})


async def add_user_role(request: Request) -> Response:
    """Gives a person one more role; a role they hold already changes nothing.

    ---
    tags: [users]
    x-role: admin
    x-body: RoleRequest
    parameters:
      - $ref: '#/components/parameters/IdempotencyKey'
    responses:
      200: {description: the person's roles now, x-data: RoleAssignment}
    """
    principal = await _state.authenticate(request, require="admin")
    body = await _state.read_json_object(request, ("role",))
    (role,) = people.check_roles([body.get("role")])
    email = request.path_params["email"]

    def add(conn: db.Connection) -> dict[str, Any]:
        return people.add_role(conn, principal.tenant_id, email, role)

    idempotency = _state.idempotency(request, "add_user_role", {"email": email, **body})
    user = await _changes.change(request, principal, tenants.once, principal.tenant_id, idempotency, add)
    return _state.success(_assignment(user, role, f"{role} given to {user['email']}"))


async def remove_user_role(request: Request) -> Response:
    """Takes one role from a person; their last role cannot go (remove the person instead).

    ---
    tags: [users]
    x-role: admin
    responses:
      200: {description: the person's roles now, x-data: RoleAssignment}
    """
    principal = await _state.authenticate(request, require="admin")
    email, role = request.path_params["email"], request.path_params["role"]
    forget = await _state.get(request).call(people.live_token_prefixes, principal.tenant_id, email)
    user = await _changes.change(request, principal, people.remove_role, principal.tenant_id, email, role)
    _people.forget(request, forget)
    return _state.success(_assignment(user, role, f"{role} taken from {user['email']}"))


async def list_roles(request: Request) -> Response:
    """The three roles, what each is for, and the operations (permissions) each may call.

    A role may call every operation whose least role (`x-role` in the OpenAPI document) is at most its own.
    ---
    tags: [rbac]
    x-role: viewer
    responses:
      200: {description: the roles, x-data: RoleList}
    """
    principal = await _state.authenticate(request, require="viewer")
    needed = _least_roles(request.app)
    roles = [
        {"role": role, "description": ROLE_DESCRIPTIONS[role], "permissions": _permissions_of(needed, role)}
        for role in reversed(tenants.ROLES)
    ]
    return _state.success({"tenant": principal.tenant_id, "roles": roles})


async def get_permission_roles(request: Request) -> Response:
    """Which roles hold one permission (an operation id, such as `submit_workflow`).

    ---
    tags: [rbac]
    x-role: viewer
    responses:
      200: {description: the roles holding it, x-data: PermissionRoles}
    """
    await _state.authenticate(request, require="viewer")
    name = request.path_params["permission_name"]
    least = _least_roles(request.app).get(name)
    if least is None:
        raise errors.NotFound(f"no permission {name[:100]!r}: permissions are the operation ids of /openapi.json")
    holders = [role for role in tenants.ROLES if _state.ROLE_RANK[role] >= _state.ROLE_RANK[least]]
    return _state.success({"permission": name, "least_role": least, "roles_with_permission": holders})


async def get_my_roles(request: Request) -> Response:
    """The caller's role in its tenant: a person's or token's roles, or a machine key's one role.

    ---
    tags: [rbac]
    x-role: viewer
    responses:
      200: {description: the caller's roles, x-data: MyRoles}
    """
    principal = await _state.authenticate(request, require="viewer")
    roles = [principal.role]
    if principal.user_email:
        user = await _state.get(request).call(people.get_user, principal.tenant_id, principal.user_email)
        roles = user["roles"]
    return _state.success(
        {
            "user_email": principal.user_email or None,
            "tenant": principal.tenant_id,
            "roles": [{"role": role, "description": ROLE_DESCRIPTIONS[role]} for role in roles],
        }
    )


async def get_my_permissions(request: Request) -> Response:
    """The operations the caller may call, by the role it acts with.

    ---
    tags: [rbac]
    x-role: viewer
    responses:
      200: {description: the caller's permissions, x-data: MyPermissions}
    """
    principal = await _state.authenticate(request, require="viewer")
    names = _permissions_of(_least_roles(request.app), principal.role)
    return _state.success(
        {
            "user_email": principal.user_email or None,
            "tenant": principal.tenant_id,
            "role": principal.role,
            "permissions": [{"name": name} for name in names],
        }
    )


def _assignment(user: dict[str, Any], role: str, message: str) -> dict[str, Any]:
    return {"email": user["email"], "role": role, "roles": user["roles"], "message": message}


@functools.cache
def _least_roles(app: Starlette) -> dict[str, str]:
    """Each operation's id and the least role it needs, from the OpenAPI document (public ones left out)."""
    document = _openapi.build_document(app.routes)
    return {
        operation["operationId"]: operation["x-role"]
        for path in document["paths"].values()
        for operation in path.values()
        if isinstance(operation, dict) and "x-role" in operation
    }


def _permissions_of(least_roles: dict[str, str], role: str) -> list[str]:
    rank = _state.ROLE_RANK[role]
    return sorted(name for name, least in least_roles.items() if _state.ROLE_RANK[least] <= rank)


routes = [
    Route("/api/v1/users", create_user, methods=["POST"]),
    Route("/api/v1/users", list_users, methods=["GET"]),
    Route("/api/v1/users/{email}", get_user, methods=["GET"]),
    Route("/api/v1/users/{email}", update_user, methods=["PATCH"]),
    Route("/api/v1/users/{email}", delete_user, methods=["DELETE"]),
    Route("/api/v1/users/{email}/roles", add_user_role, methods=["POST"]),
    Route("/api/v1/users/{email}/roles/{role}", remove_user_role, methods=["DELETE"]),
    Route("/api/v1/rbac/roles", list_roles, methods=["GET"]),
    Route("/api/v1/rbac/permissions/{permission_name}/roles", get_permission_roles, methods=["GET"]),
    Route("/api/v1/rbac/my-roles", get_my_roles, methods=["GET"]),
    Route("/api/v1/rbac/my-permissions", get_my_permissions, methods=["GET"]),
]
