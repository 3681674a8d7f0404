#pragma once
// The HTTP API as an OpenAPI 3.1 document (/docs/openapi.json) and a self-contained page that renders it
// (/docs), with no outside assets. Thread safety: constant data.
#include <string_view>

namespace parley::api {

std::string_view openapi_json();
std::string_view openapi_html();

}  // namespace parley::api
