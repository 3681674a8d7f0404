#include "api/openapi.hpp"

namespace parley::api {

std::string_view openapi_json() {
  return R"JSON({
  "openapi": "3.1.0",
  "info": {"title": "Parley HTTP API", "version": "0.1.0",
           "description": "Real-time events travel over /ws (native JSON) and /socket.io/; see docs/protocol.md. Errors are {\"error\":{\"code\",\"message\"}}."},
  "components": {
    "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"},
                        "apiKey": {"type": "apiKey", "in": "header", "name": "X-Api-Key"}},
    "schemas": {
      "Error": {"type": "object", "properties": {"error": {"type": "object", "properties": {
        "code": {"type": "string", "enum": ["bad_request","unauthorized","forbidden","not_found","conflict","too_large","rate_limited","unavailable","internal"]},
        "message": {"type": "string"}}}}},
      "Credentials": {"type": "object", "required": ["username","password"], "properties": {
        "username": {"type": "string", "pattern": "^[a-z0-9_.-]{3,32}$"}, "password": {"type": "string", "minLength": 8}}},
      "User": {"type": "object", "properties": {"id": {"type": "integer"}, "username": {"type": "string"}}},
      "Message": {"type": "object", "properties": {"id": {"type": "string"}, "room": {"type": "string"}, "seq": {"type": "integer"},
        "from": {"$ref": "#/components/schemas/User"}, "text": {"type": "string"}, "ts": {"type": "integer"}, "clientMsgId": {"type": "string"}}}
    }
  },
  "paths": {
    "/api/auth/register": {"post": {"summary": "Create a user", "requestBody": {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/Credentials"}}}},
      "responses": {"201": {"description": "Created", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/User"}}}},
                    "400": {"description": "Invalid name or password"}, "409": {"description": "Name taken"}}}},
    "/api/auth/login": {"post": {"summary": "Get a token", "requestBody": {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/Credentials"}}}},
      "responses": {"200": {"description": "{token, expiresAt (ms since the epoch), user:{id,username}}"}, "401": {"description": "Wrong username or password"}}}},
    "/api/rooms": {"get": {"summary": "Rooms with the number of distinct users online in each, cluster-wide", "security": [{"bearer": []}],
      "responses": {"200": {"description": "[{name, members}]"}, "401": {"description": "No valid token"}}}},
    "/api/rooms/{room}/messages": {"get": {"summary": "History: the N messages just before SEQ (the newest without before), ascending by seq", "security": [{"bearer": []}],
      "parameters": [{"name": "room", "in": "path", "required": true, "schema": {"type": "string"}},
                     {"name": "before", "in": "query", "schema": {"type": "integer"}},
                     {"name": "limit", "in": "query", "schema": {"type": "integer", "default": 50, "maximum": 100}}],
      "responses": {"200": {"description": "{messages:[Message]}"}, "401": {"description": "No valid token"}}}},
    "/api/publish": {"post": {"summary": "Server-side emit to a user, a room or everyone, on every node", "security": [{"apiKey": []}],
      "requestBody": {"content": {"application/json": {"schema": {"type": "object", "required": ["to","event"], "properties": {
        "to": {"oneOf": [{"type": "object", "properties": {"user": {"type": "integer"}}}, {"type": "object", "properties": {"room": {"type": "string"}}}, {"type": "object", "properties": {"all": {"const": true}}}]},
        "event": {"type": "string"}, "data": {}}}}}},
      "responses": {"202": {"description": "Accepted"}, "401": {"description": "No valid X-Api-Key"}}}},
    "/healthz": {"get": {"summary": "Liveness", "responses": {"200": {"description": "The process serves"}}}},
    "/readyz": {"get": {"summary": "Readiness: store and broker answer", "responses": {"200": {"description": "Ready, with each dependency's state and latency"}, "503": {"description": "Not ready"}}}},
    "/metrics": {"get": {"summary": "Prometheus metrics", "responses": {"200": {"description": "text/plain exposition format"}}}},
    "/ws": {"get": {"summary": "Native WebSocket (also /entrypoint); token as subprotocol, ?token= or Bearer", "responses": {"101": {"description": "Switching protocols"}, "401": {"description": "Bad or missing token"}}}}
  }
})JSON";
}

std::string_view openapi_html() {
  return R"HTML(<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>Parley HTTP API</title>
<style>
body{font:15px/1.5 system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;color:#1d2330}
h1{font-size:1.6rem}.op{border:1px solid #d8dce5;border-radius:8px;margin:1rem 0;padding:.75rem 1rem}
.m{display:inline-block;min-width:4rem;font-weight:700;text-transform:uppercase}.get{color:#1b7f3b}.post{color:#1d5fbf}
code{background:#f1f3f7;padding:.1rem .3rem;border-radius:4px}ul{margin:.3rem 0}
</style></head><body>
<h1>Parley HTTP API</h1>
<p>The machine-readable document is <a href="/docs/openapi.json">/docs/openapi.json</a> (OpenAPI 3.1).
Real-time events (native WebSocket and Socket.IO), close codes, limits and guarantees:
<a href="/docs/protocol.md">the protocol reference</a> (docs/protocol.md).</p>
<div id="ops">Loading…</div>
<script>
fetch('/docs/openapi.json').then(r=>r.json()).then(doc=>{
  const out=[];
  out.push('<p>'+doc.info.description.replace(/</g,'&lt;')+'</p>');
  for(const [path,ops] of Object.entries(doc.paths)) for(const [m,op] of Object.entries(ops)){
    const params=(op.parameters||[]).map(p=>'<li><code>'+p.name+'</code> ('+p.in+')</li>').join('');
    const res=Object.entries(op.responses).map(([c,r])=>'<li><b>'+c+'</b> '+r.description+'</li>').join('');
    const sec=op.security?' <small>auth: '+Object.keys(op.security[0]).join(', ')+'</small>':'';
    out.push('<section class="op"><div><span class="m '+m+'">'+m+'</span><code>'+path+'</code>'+sec+'</div><p>'+op.summary+'</p>'+
      (params?'<div>Parameters</div><ul>'+params+'</ul>':'')+'<div>Responses</div><ul>'+res+'</ul></section>');
  }
  document.getElementById('ops').innerHTML=out.join('');
});
</script></body></html>
)HTML";
}

}  // namespace parley::api
