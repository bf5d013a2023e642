"""A Kubernetes API server emulator on loopback, for the operator's integration tests.

    python -m tests.integration.operator.kube_emulator --port PORT --crd PATH [--crd PATH...] [--ready-file PATH]

The operator tests run it as a subprocess and point the real `kopf run` and the real `kubectl` at
http://127.0.0.1:PORT, with any bearer token. kmock's KubernetesEmulator answers discovery and keeps the
objects; the resource URLs are served here as the apiserver serves them: the custom resources of each --crd
file (names, short names, categories, scope, status subresource, served versions), core v1 namespaces,
configmaps, secrets and events, events.k8s.io/v1 events, and the CRDs (read-only). Writes stamp uid,
creationTimestamp, generation and one global resourceVersion; merge and JSON patches, PUT, the status
subresource, finalizers, 409s, generateName, selectors, watches resuming after a resourceVersion, and the
Tables of `kubectl get` behave as on a cluster. Custom resources are pruned of unknown fields, defaulted and
validated against their openAPIV3Schema (422 Invalid naming the fields).

How it differs from a real kube-apiserver, which a test must not depend on:
* no authentication, authorization or admission: any token is accepted;
* CEL rules (x-kubernetes-validations), formats (date-time, int64), list types and map keys are not checked,
  and nulls are dropped even where `nullable`; messages are jsonschema's, so match on code, reason and field;
* no OpenAPI document (kubectl apply needs --validate=false), server-side apply, managedFields or dryRun;
  fieldValidation=Strict prunes unknown fields instead of refusing them; a strategic merge patch of a
  built-in kind is applied as a merge patch; of protobuf bodies only those of `kubectl create secret`,
  `create configmap` and `create namespace` are read, and only their common fields;
* CRDs are fixed at startup and their versions are not converted (only apiVersion changes);
* objects may live in namespaces that do not exist; nothing cascades (no ownerReferences, no GC);
* core and events.k8s.io Events are separate stores, while a cluster shows each Event in both;
* field selectors take any dotted field; set-based label selectors (`in`, `notin`) get 400; a watch is not
  sent DELETED for an object whose labels stop matching its selector;
* lists ignore limit and continue; a watch resumes at most 10000 writes back (older: 410 Expired) and gets
  no periodic bookmarks; all state is lost at exit.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import copy
import dataclasses
import datetime
import functools
import json
import logging
import re
import signal
import uuid
from collections import deque
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any

import aiohttp.web as web
import jsonpatch
import jsonschema
import kmock
import yaml

Obj = dict[str, Any]
log = logging.getLogger("kube_emulator")

READ = ("get", "list", "watch")
WRITE = (*READ, "create", "update", "patch", "delete")
VERBS = {("GET", False): "list", ("GET", True): "get", ("POST", False): "create", ("PUT", True): "update"}
VERBS |= {("PATCH", True): "patch", ("DELETE", True): "delete"}
# The apiserver owns an object's identity and lifecycle fields: a client's body cannot change them.
SERVER_OWNED: tuple[str, ...] = ("name", "namespace", "uid", "creationTimestamp", "generation", "resourceVersion")
SERVER_OWNED += ("deletionTimestamp", "deletionGracePeriodSeconds")
SELECTOR_TERM = re.compile(r"^\s*(!?)([\w./-]+)\s*(?:(==|=|!=)\s*([\w./-]*))?\s*$")
PATH = re.compile(
    r"^/(?:api|apis/(?P<group>[^/]+))/(?P<version>[^/]+)(?:/namespaces/(?P<namespace>[^/]+))?"
    r"/(?P<plural>[^/]+)(?:/(?P<name>[^/]+))?(?:/(?P<sub>[^/]+))?$"
)
HISTORY = 10_000  # how many writes back a watch can resume; from an older resourceVersion it gets 410


def column(name: str, path: str, kind: str = "string") -> Obj:
    return {"name": name, "type": kind, "jsonPath": path}


NAME = {**column("Name", ".metadata.name"), "format": "name"}
AGE = column("Age", ".metadata.creationTimestamp", "date")


@dataclasses.dataclass
class Kind:
    """One served group/version/plural, and how the emulator treats its objects."""

    group: str
    version: str
    plural: str
    kind: str
    namespaced: bool = True
    verbs: tuple[str, ...] = WRITE
    short_names: tuple[str, ...] = ()
    columns: tuple[Obj, ...] = (NAME, AGE)
    categories: tuple[str, ...] = ()
    custom: bool = False  # a custom resource: generation, schema, no strategic merge patch
    status: bool = False  # has the status subresource
    schema: Obj | None = None  # its openAPIV3Schema
    storage: str = ""  # the storage version: every version of a CRD serves the same objects

    @property
    def api_version(self) -> str:
        return f"{self.group}/{self.version}" if self.group else self.version

    @property
    def store(self) -> kmock.resource:
        return kmock.resource(self.group, self.storage or self.version, self.plural)

    @functools.cached_property
    def validator(self) -> jsonschema.Draft4Validator:
        return jsonschema.Draft4Validator(self.schema)  # it skips the x-kubernetes-* keywords it does not know


def error(code: int, reason: str, message: str, of: Kind | None = None, name: str = "", **details: Any) -> Exception:
    """A Status error worded as the apiserver's, where `{title}` is the resource, e.g. `workflows.highway.dev`."""
    if of is not None:
        details = {"name": name, "group": of.group, "kind": of.plural, **details}
        message = message.replace("{title}", f"{of.plural}.{of.group}" if of.group else of.plural)
    return kmock.KubernetesError(code, reason, message, details or {"causes": []})


EVENT_COLUMNS: tuple[Obj, ...] = (column("Last Seen", ".lastTimestamp", "date"), column("Type", ".type"))
EVENT_COLUMNS += (column("Reason", ".reason"), column("Object", ".involvedObject.name"), column("Message", ".message"))
EVENT_COLUMNS += ({**NAME, "priority": 1},)  # as `kubectl get events` shows them, the name only with -o wide
NAMESPACE_COLUMNS = (NAME, column("Status", ".status.phase"), AGE)
CRD_COLUMNS = (NAME, column("Created At", ".metadata.creationTimestamp"))  # shown as a timestamp, not an age
NAMESPACES, CRDS = ("", "v1", "namespaces"), ("apiextensions.k8s.io", "v1", "customresourcedefinitions")
BUILTINS = (
    Kind(*NAMESPACES, "Namespace", False, (*READ, "create"), ("ns",), NAMESPACE_COLUMNS),
    Kind("", "v1", "configmaps", "ConfigMap", short_names=("cm",)),
    Kind("", "v1", "secrets", "Secret", columns=(NAME, column("Type", ".type"), AGE)),
    Kind("", "v1", "events", "Event", short_names=("ev",), columns=EVENT_COLUMNS),
    Kind("events.k8s.io", "v1", "events", "Event"),  # "ev" would make kubectl warn of an ambiguity
    Kind(*CRDS, "CustomResourceDefinition", False, READ, ("crd",), CRD_COLUMNS),
)


def crd_kinds(crd: Obj) -> list[Kind]:
    """The served versions of a CustomResourceDefinition."""
    spec, names = crd["spec"], crd["spec"]["names"]
    storage = next(v["name"] for v in spec["versions"] if v.get("storage"))
    kinds = []
    for v in (v for v in spec["versions"] if v.get("served", True)):
        kind = Kind(spec["group"], v["name"], names["plural"], names["kind"], spec.get("scope") != "Cluster")
        kind.short_names, kind.categories = tuple(names.get("shortNames", ())), tuple(names.get("categories", ()))
        kind.columns = (NAME, *(v.get("additionalPrinterColumns") or [AGE]))
        kind.custom, kind.status, kind.storage = True, "status" in (v.get("subresources") or {}), storage
        kind.schema = (v.get("schema") or {}).get("openAPIV3Schema")
        kinds.append(kind)
    return kinds


def now() -> str:
    return datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def cell(kind: str, value: Any) -> Any:
    """A table cell as the apiserver fills it: text in a string column, an age (`75s`, `4m10s`) in a date column."""
    if value is None or kind not in ("string", "date"):
        return value
    if kind == "string":
        return value if isinstance(value, str) else json.dumps(value)
    then = datetime.datetime.fromisoformat(value)
    s = max(0, int((datetime.datetime.now(datetime.UTC) - then).total_seconds()))  # as duration.HumanDuration
    m, h, d = s // 60, s // 3600, s // 86400
    steps = [(120, f"{s}s"), (600, f"{m}m{s % 60}s" if s % 60 else f"{m}m"), (10800, f"{m}m")]
    steps += [(28800, f"{h}h{m % 60}m" if m % 60 else f"{h}h"), (172800, f"{h}h"), (691200, f"{d}d{h % 24}h")]
    return next((text for limit, text in steps if s < limit), f"{d}d")


def dig(obj: Any, path: str) -> Any:
    """The value at a simple JSONPath (`.a.b.c`, `{.a.b}`, `a.b`), or None."""
    for key in path.strip("{}").lstrip(".").split("."):
        obj = obj.get(key) if isinstance(obj, dict) else None
    return obj


def merge_patch(target: Any, patch: Any) -> Any:
    """RFC 7386: null deletes a key, objects merge, anything else replaces (kmock's patch refuses some)."""
    if not isinstance(patch, dict):
        return copy.deepcopy(patch)
    result = dict(target) if isinstance(target, dict) else {}
    for key, value in patch.items():
        if value is None:
            result.pop(key, None)
        else:
            result[key] = merge_patch(result.get(key), value)
    return result


def prune_and_default(value: Any, schema: Obj) -> Any:
    """Drop the fields the schema does not know and fill in its defaults, as the apiserver does before validating."""
    if isinstance(value, list) and isinstance(schema.get("items"), dict):
        return [prune_and_default(item, schema["items"]) for item in value]
    if not isinstance(value, dict):
        return value
    known, extra = schema.get("properties", {}), schema.get("additionalProperties")
    keep_unknown = schema.get("x-kubernetes-preserve-unknown-fields") or extra is True
    result = {}
    for key, item in value.items():
        sub = known.get(key, extra if isinstance(extra, dict) else None)
        if sub is not None and item is not None:  # the apiserver drops nulls where the schema has the field
            result[key] = prune_and_default(item, sub)
        elif sub is None and keep_unknown:
            result[key] = item
    for key, sub in known.items():
        if key not in result and "default" in sub:
            result[key] = prune_and_default(copy.deepcopy(sub["default"]), sub)
    return result


def invalid(kind: Kind, name: str, errors: list[jsonschema.ValidationError]) -> Exception:
    """422 Invalid with a cause per field, which kubectl lists as `* spec.x: Invalid value: ...`."""
    causes = []
    for e in sorted(errors, key=lambda e: list(map(str, e.absolute_path))):
        where = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in e.absolute_path).lstrip(".")
        shown = "" if e.validator == "required" else f"Invalid value: {json.dumps(e.instance)[:60]}: "
        causes.append({"reason": "FieldValueInvalid", "field": where or "<root>", "message": shown + e.message})
    listed = ", ".join(f"{c['field']}: {c['message']}" for c in causes)
    message = f'{kind.kind}.{kind.group} "{name}" is invalid: {listed if len(causes) == 1 else f"[{listed}]"}'
    return error(422, "Invalid", message, kind, name, kind=kind.kind, causes=causes)  # kubectl says "The Workflow"


def selector(query: Mapping[str, str]) -> Callable[[Obj], bool]:
    """The labelSelector and fieldSelector of a request as a predicate: `k=v`, `k==v`, `k!=v`, `k`, `!k`."""
    terms: list[tuple[Any, ...]] = []
    for param in ("labelSelector", "fieldSelector"):
        for term in filter(None, query.get(param, "").split(",")):
            if (match := SELECTOR_TERM.match(term)) is None:
                raise error(400, "BadRequest", f"unable to parse requirement: {term!r}")
            terms.append((param, *match.groups()))

    def matches(obj: Obj) -> bool:
        for param, negated, key, op, wanted in terms:
            value = (dig(obj, "metadata.labels") or {}).get(key) if param == "labelSelector" else dig(obj, key)
            value = value if value is None or isinstance(value, str) else json.dumps(value)
            found = value is not None if op is None else (value or "") == wanted
            if found == (bool(negated) or op == "!="):
                return False
        return True

    return matches


# What kubectl's typed `create secret|configmap|namespace` send, by field number (k8s.io/api generated.proto).
META = {1: ("name", "str"), 2: ("generateName", "str"), 3: ("namespace", "str"), 11: ("labels", "map")}
META |= {12: ("annotations", "map"), 14: ("finalizers", "list")}
PROTOBUF: dict[str, dict[int, tuple[str, Any]]] = {
    "Secret": {1: ("metadata", META), 2: ("data", "map64"), 3: ("type", "str"), 4: ("stringData", "map")},
    "ConfigMap": {1: ("metadata", META), 2: ("data", "map"), 3: ("binaryData", "map64"), 4: ("immutable", "bool")},
    "Namespace": {1: ("metadata", META)},
}


def proto_fields(data: bytes) -> Iterator[tuple[int, Any]]:
    """The (field number, value) pairs of a protobuf message: varints as ints, the rest as bytes."""

    i = 0

    def varint() -> int:
        nonlocal i
        value = shift = 0
        while data[i] & 0x80:
            value, shift, i = value | (data[i] & 0x7F) << shift, shift + 7, i + 1
        value, i = value | data[i] << shift, i + 1
        return value

    while i < len(data):
        key = varint()
        if key & 7 == 0:
            yield key >> 3, varint()
        else:
            size = varint() if key & 7 == 2 else {1: 8, 5: 4}[key & 7]
            yield key >> 3, data[i : i + size]
            i += size


def proto_decode(data: bytes, schema: Mapping[int, tuple[str, Any]]) -> Obj:
    obj: Obj = {}
    for number, value in proto_fields(data):
        name, kind = schema.get(number, ("", None))
        if isinstance(kind, dict):
            obj[name] = proto_decode(value, kind)
        elif kind == "bool" or (kind == "str" and value):  # protobuf carries the empty strings JSON leaves out
            obj[name] = value.decode() if kind == "str" else bool(value)
        elif kind == "list":
            obj.setdefault(name, []).append(value.decode())
        elif kind in ("map", "map64"):
            entry = dict(proto_fields(value))
            text = base64.b64encode(entry.get(2, b"")) if kind == "map64" else entry.get(2, b"")
            obj.setdefault(name, {})[entry.get(1, b"").decode()] = text.decode()
    return obj


def from_protobuf(body: bytes) -> Obj:
    """The JSON form of a protobuf body: "k8s\\0", then a runtime.Unknown with the type and the raw message."""
    envelope = dict(proto_fields(body[4:])) if body.startswith(b"k8s\x00") else {}
    type_meta = {number: text.decode() for number, text in proto_fields(envelope.get(1, b""))}
    if type_meta.get(2) not in PROTOBUF:
        raise error(415, "UnsupportedMediaType", f"the emulator cannot read a protobuf {type_meta.get(2)}; send JSON")
    return {"apiVersion": type_meta[1], "kind": type_meta[2], **proto_decode(envelope[2], PROTOBUF[type_meta[2]])}


class KubeEmulator(kmock.KubernetesEmulator):
    """kmock's emulator with the resource URLs served as a real apiserver serves them."""

    def __init__(self, crds: list[Obj]) -> None:
        super().__init__()
        self.kinds = {(k.group, k.version, k.plural): k for k in [*BUILTINS, *(k for c in crds for k in crd_kinds(c))]}
        self.rv = 0  # the last resourceVersion given out: one counter for all objects, as etcd's revision
        self.history: deque[tuple[int, kmock.resource, str, Obj]] = deque(maxlen=HISTORY)
        self.watchers: dict[asyncio.Queue[tuple[str, Obj] | None], kmock.resource] = {}
        for k in self.kinds.values():
            self.resources[kmock.resource(k.group, k.version, k.plural)] = kmock.ResourceInfo(
                namespaced=k.namespaced, kind=k.kind, singular=k.kind.lower(), verbs=k.verbs,
                shortnames=k.short_names, categories=k.categories, subresources=["status"] if k.status else [],
            )  # fmt: skip
        for ns in ("default", "kube-system"):
            self.create(self.kinds[NAMESPACES], None, {"metadata": {"name": ns}})
        for crd in crds:
            conditions = [{"type": t, "status": "True"} for t in ("NamesAccepted", "Established")]
            stored = [v["name"] for v in crd["spec"]["versions"] if v.get("storage")]
            status = {"conditions": conditions, "acceptedNames": crd["spec"]["names"], "storedVersions": stored}
            self.create(self.kinds[CRDS], None, {**crd, "status": status})

    async def _serve_version(self, request: kmock.Request) -> Any:
        # kmock says "/v1" for the core group, and lists subresources with short names (then kubectl warns).
        found: Any = await super()._serve_version(request)
        found["groupVersion"] = found["groupVersion"].lstrip("/")
        for entry in found["resources"]:
            if "/" in entry["name"]:
                entry.update(shortNames=[], categories=[], verbs=["get", "patch", "update"])
        return found

    async def __call__(self, raw: web.BaseRequest) -> web.StreamResponse:
        """Serve the resource URLs here; leave discovery and any other URL to kmock."""
        if (match := PATH.match(raw.path)) is None:
            return await super().__call__(raw)
        group, version, ns, plural, name, sub = match.groups()
        kind = self.kinds.get((group or "", version, plural))
        try:
            # A namespaced kind is listed and watched across all namespaces through a URL without one.
            misplaced = kind is None or (bool(ns) != kind.namespaced and bool(ns or name))
            if kind is None or misplaced or (sub and (sub, kind.status) != ("status", True)):
                raise error(404, "NotFound", "the server could not find the requested resource")
            return await self.serve(raw, kind, ns, name, sub)
        except Exception as e:
            if not isinstance(e, kmock.KubernetesError):
                log.exception("%s %s failed", raw.method, raw.path_qs)
            return await self._render_error(e)

    async def serve(
        self, raw: web.BaseRequest, kind: Kind, ns: str | None, name: str | None, sub: str | None
    ) -> web.StreamResponse:
        watch = raw.method == "GET" and raw.query.get("watch") == "true"
        verb = "watch" if watch else VERBS.get((raw.method, bool(name)))
        if verb not in kind.verbs or (verb == "create" and kind.namespaced and not ns):
            raise error(405, "MethodNotAllowed", "the server does not allow this method on the requested resource")
        if verb == "watch":
            return await self.watch(raw, kind, ns, name)
        try:
            data = await raw.read()
            body = from_protobuf(data) if raw.content_type.endswith("protobuf") else json.loads(data or b"null")
        except (ValueError, LookupError) as e:
            raise error(400, "BadRequest", f"the body of the request could not be decoded: {e!r}") from None
        if verb in ("get", "list"):
            objs = [self.fetch(kind, ns, name)] if name else self.stored(kind, ns, selector(raw.query))
            if "as=Table" in raw.headers.get("Accept", ""):  # what kubectl get asks for first
                return web.json_response(self.table(kind, objs, raw.query))
            if name:
                return web.json_response(self.view(kind, objs[0]))
            listed = {"kind": f"{kind.kind}List", "apiVersion": kind.api_version}
            items = [self.view(kind, obj) for obj in objs]
            return web.json_response({**listed, "metadata": {"resourceVersion": str(self.rv)}, "items": items})
        if verb == "create":
            return web.json_response(self.view(kind, self.create(kind, ns, body)), status=201)
        if verb == "delete":
            return web.json_response(self.view(kind, self.remove(kind, ns, str(name))))
        old = self.fetch(kind, ns, name)
        new = body if verb == "update" else self.patched(kind, old, raw.content_type, body)
        return web.json_response(self.view(kind, self.update(kind, old, sub, new)))

    def view(self, kind: Kind, obj: Obj) -> Obj:
        return {**obj, "apiVersion": kind.api_version}  # every served version shows the same objects

    def stored(self, kind: Kind, ns: str | None, matches: Callable[[Obj], bool] = bool) -> list[Obj]:
        found = sorted((k[1:], o.raw) for k, o in self.objects.items() if k[0] == kind.store and not o.deleted)
        return [obj for (obj_ns, _), obj in found if ns in (None, obj_ns) and matches(obj)]

    def fetch(self, kind: Kind, ns: str | None, name: str | None) -> Obj:
        key = (kind.store, ns if kind.namespaced else None, str(name))
        if key not in self.objects or self.objects[key].deleted:
            raise error(404, "NotFound", f'{{title}} "{name}" not found', kind, str(name))
        return copy.deepcopy(self.objects[key].raw)

    def commit(self, kind: Kind, obj: Obj, event: str) -> Obj:
        """Store an object's new state (or its end) under a new resourceVersion, and tell the watchers."""
        self.rv += 1
        obj["metadata"]["resourceVersion"] = str(self.rv)
        key = (kind.store, obj["metadata"].get("namespace"), obj["metadata"]["name"])
        if key not in self.objects:
            self.objects[key] = obj
        elif event == "DELETED":
            self.objects[key].delete()
        else:
            self.objects[key].history.append(obj)
        self.history.append((self.rv, kind.store, event, obj))
        for queue in (q for q, store in self.watchers.items() if store == kind.store):
            queue.put_nowait((event, obj))
        return obj

    def create(self, kind: Kind, ns: str | None, body: Any) -> Obj:
        obj = copy.deepcopy(body) if isinstance(body, dict) else {}
        meta = obj["metadata"] = obj.get("metadata") or {}
        if ns and meta.get("namespace") not in (None, "", ns):
            raise error(400, "BadRequest", "the namespace of the provided object does not match the request's")
        meta.pop("namespace", None)
        meta.update({"namespace": ns} if kind.namespaced else {})
        if not meta.get("name") and meta.get("generateName"):
            meta["name"] = meta["generateName"] + uuid.uuid4().hex[:5]
        if not (name := meta.get("name") or ""):
            raise error(422, "Invalid", f'{kind.kind} "" is invalid: metadata.name: Required value', kind)
        if (kind.store, ns, name) in self.objects and not self.objects[kind.store, ns, name].deleted:
            raise error(409, "AlreadyExists", f'{{title}} "{name}" already exists', kind, name)
        for key in SERVER_OWNED[2:]:
            meta.pop(key, None)
        meta.update(uid=str(uuid.uuid4()), creationTimestamp=now(), **({"generation": 1} if kind.custom else {}))
        return self.commit(kind, self.normalized(kind, obj), "ADDED")

    def patched(self, kind: Kind, old: Obj, content_type: str, body: Any) -> Any:
        # kubectl sends strategic merge patches for built-in kinds; for configmaps and secrets they merge alike.
        if content_type == "application/merge-patch+json" or ("strategic" in content_type and not kind.custom):
            return merge_patch(old, body)
        if content_type == "application/json-patch+json":
            try:
                return jsonpatch.apply_patch(old, body)
            except (jsonpatch.JsonPatchException, jsonpatch.JsonPointerException, TypeError) as e:
                message = f"the server rejected our request due to an error in our request: {e}"
                raise error(422, "Invalid", message, kind, old["metadata"]["name"]) from None
        message = "the body of the request was in an unknown format - accepted media types include: "
        raise error(415, "UnsupportedMediaType", message + "application/json-patch+json, application/merge-patch+json")

    def update(self, kind: Kind, old: Obj, sub: str | None, candidate: Any) -> Obj:
        name, rv = old["metadata"]["name"], old["metadata"]["resourceVersion"]
        if not isinstance(candidate, dict):
            raise error(422, "Invalid", "the patched object is not a JSON object", kind, name)
        if (dig(candidate, "metadata.resourceVersion") or rv) != rv:  # optimistic concurrency, as in kubectl edit
            message = f'Operation cannot be fulfilled on {{title}} "{name}": the object has been modified; '
            raise error(409, "Conflict", message + "please apply your changes to the latest version", kind, name)
        # Through /status only the status changes; through the resource everything else.
        if sub == "status":
            new = {**old, "status": candidate.get("status")}
        else:
            new = {**candidate, "status": old.get("status")} if kind.status else candidate
            meta = new["metadata"] = {k: v for k, v in (new.get("metadata") or {}).items() if k not in SERVER_OWNED}
            meta.update({k: v for k, v in old["metadata"].items() if k in SERVER_OWNED})
        new = self.normalized(kind, {k: v for k, v in new.items() if k != "status" or v is not None})
        unversioned = {"metadata", "status"} if kind.status else {"metadata"}
        if kind.custom and any(new.get(k) != old.get(k) for k in {*new, *old} - unversioned):
            new["metadata"]["generation"] = old["metadata"].get("generation", 1) + 1
        if new == old:
            return old  # a write that changes nothing changes no resourceVersion and wakes no watch
        gone = dig(new, "metadata.deletionTimestamp") and not dig(new, "metadata.finalizers")
        return self.commit(kind, new, "DELETED" if gone else "MODIFIED")

    def normalized(self, kind: Kind, obj: Obj) -> Obj:
        """Stamp the type, do what the apiserver does for some built-in kinds; prune, default, validate a custom one."""
        obj.update(apiVersion=kind.api_version, kind=kind.kind)
        if kind.kind == "Secret":
            data, obj["type"] = obj.get("data") or {}, obj.get("type") or "Opaque"
            for key, text in (obj.pop("stringData", None) or {}).items():
                data[key] = base64.b64encode(str(text).encode()).decode()
            obj["data"] = data
        if kind.kind == "Namespace":
            obj["status"] = {"phase": "Active"}
        if kind.custom and kind.schema:
            body = {k: v for k, v in obj.items() if k not in ("apiVersion", "kind", "metadata")}
            obj = {k: obj[k] for k in ("apiVersion", "kind", "metadata")} | prune_and_default(body, kind.schema)
            if errors := list(kind.validator.iter_errors(obj)):
                raise invalid(kind, obj["metadata"]["name"], errors)
        return obj

    def remove(self, kind: Kind, ns: str | None, name: str) -> Obj:
        obj = self.fetch(kind, ns, name)
        meta = obj["metadata"]
        if meta.get("deletionTimestamp"):
            return obj  # already being deleted
        if not meta.get("finalizers"):
            return self.commit(kind, obj, "DELETED")
        meta.update(deletionTimestamp=now(), deletionGracePeriodSeconds=0)
        if "generation" in meta:
            meta["generation"] += 1  # the apiserver bumps it when it marks an object for deletion
        return self.commit(kind, obj, "MODIFIED")

    def table(self, kind: Kind, objs: list[Obj], query: Mapping[str, str]) -> Obj:
        """A meta.k8s.io/v1 Table of the kind's printer columns; `kubectl get -o wide` adds those of priority 1."""
        keys = {"name": "", "type": "string", "format": "", "description": "", "priority": 0}
        columns = [{key: c.get(key, default) for key, default in keys.items()} for c in kind.columns]
        whole = query.get("includeObject") == "Object"  # as kubectl get --show-labels, -L and --watch ask
        rows = []
        for obj in objs:
            partial = {"kind": "PartialObjectMetadata", "apiVersion": "meta.k8s.io/v1", "metadata": obj["metadata"]}
            cells = [cell(c["type"], dig(obj, c["jsonPath"])) for c in kind.columns]
            rows.append({"cells": cells, "object": self.view(kind, obj) if whole else partial})
        table = {"kind": "Table", "apiVersion": "meta.k8s.io/v1", "metadata": {"resourceVersion": str(self.rv)}}
        return {**table, "columnDefinitions": columns, "rows": rows}

    def replay(self, kind: Kind, ns: str | None, query: Mapping[str, str]) -> list[tuple[str, Obj]]:
        """What a new watch starts with: the objects as ADDED, or the events after its resourceVersion."""
        since = query.get("resourceVersion", "")
        if since in ("", "0") or query.get("sendInitialEvents") == "true":
            return [("ADDED", obj) for obj in self.stored(kind, ns)]
        if self.history and int(since) < self.history[0][0] - 1:
            gone = {"kind": "Status", "apiVersion": "v1", "status": "Failure", "code": 410, "reason": "Expired"}
            return [("ERROR", {**gone, "message": f"too old resource version: {since} ({self.rv})"})]
        return [(event, obj) for rv, store, event, obj in self.history if store == kind.store and rv > int(since)]

    async def watch(self, raw: web.BaseRequest, kind: Kind, ns: str | None, name: str | None) -> web.StreamResponse:
        """Stream watch events as JSON lines until timeoutSeconds, the client leaving, or shutdown."""
        matches = selector({**raw.query, "fieldSelector": f"metadata.name={name}"} if name else raw.query)
        queue: asyncio.Queue[tuple[str, Obj] | None] = asyncio.Queue()
        events = self.replay(kind, ns, raw.query)
        self.watchers[queue] = kind.store  # with no await since the replay, no event is lost or sent twice
        if raw.query.get("sendInitialEvents") == "true":  # kubectl wait's informer waits for this bookmark
            end = {"resourceVersion": str(self.rv), "annotations": {"k8s.io/initial-events-end": "true"}}
            events.append(("BOOKMARK", {"kind": kind.kind, "metadata": end}))
        response = web.StreamResponse(headers={"Content-Type": "application/json"})

        as_table = "as=Table" in raw.headers.get("Accept", "")  # kubectl get --watch prints a row per event

        async def send(event: str, obj: Obj) -> None:
            if event in ("ERROR", "BOOKMARK") or (ns in (None, dig(obj, "metadata.namespace")) and matches(obj)):
                shown = obj if event == "ERROR" else self.view(kind, obj)
                shown = self.table(kind, [obj], raw.query) if as_table and event != "ERROR" else shown
                await response.write(json.dumps({"type": event, "object": shown}).encode() + b"\n")

        try:
            await response.prepare(raw)
            for event, obj in events:
                await send(event, obj)
            expired = events[:1] and events[0][0] == "ERROR"  # the client has to list again
            async with asyncio.timeout(float(raw.query.get("timeoutSeconds") or 0) or None):
                while not expired and (item := await queue.get()) is not None:
                    await send(*item)
            await response.write_eof()
        except (TimeoutError, ConnectionError):
            pass
        finally:
            del self.watchers[queue]
        return response

    def close_watches(self) -> None:
        for queue in self.watchers:
            queue.put_nowait(None)


async def run(port: int, crds: list[Obj], ready_file: Path | None) -> None:
    stop = asyncio.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        asyncio.get_running_loop().add_signal_handler(sig, stop.set)
    emulator = KubeEmulator(crds)
    async with emulator:  # kmock answers its errors as Status objects only inside its context
        # Cancel a handler when its client goes, so that watches left by kubectl do not pile up.
        runner = web.ServerRunner(web.Server(emulator, handler_cancellation=True), shutdown_timeout=2.0)
        await runner.setup()
        await web.TCPSite(runner, "127.0.0.1", port).start()
        if ready_file is not None:
            ready_file.touch()
        await stop.wait()
        emulator.close_watches()
        await runner.cleanup()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--crd", type=Path, action="append", default=[], help="a CustomResourceDefinition YAML file")
    parser.add_argument("--ready-file", type=Path, help="touched once the port accepts connections")
    parser.add_argument("--verbose", action="store_true", help="log every request to stderr")
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING, format="%(name)s: %(message)s")
    docs = [doc for path in args.crd for doc in yaml.safe_load_all(path.read_text()) if doc]
    asyncio.run(run(args.port, [d for d in docs if d.get("kind") == "CustomResourceDefinition"], args.ready_file))


if __name__ == "__main__":
    main()
