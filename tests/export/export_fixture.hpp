// Shared set-up for the export and import tests: stores in temp dirs on a fixed clock, the
// demo city, the demo map, the CAP XSD, and an XSD check done straight with libxml2.
#pragma once

#include <gtest/gtest.h>
#include <libxml/parser.h>
#include <libxml/xmlschemas.h>

#include <fstream>
#include <memory>
#include <string>

#include "model/demo.hpp"
#include "model/geojson.hpp"
#include "model/store.hpp"
#include "support/temp_dir.hpp"

namespace honbu::testing {

inline constexpr TimeMs kNow = 1'795'300'000'000;  // 2026-11-22 (JST morning)

inline std::unique_ptr<Store> open_store(const TempDir& dir, const std::string& dataset = "ACTUAL",
                                         const std::string& node = "hq") {
  StoreOptions o;
  o.path = dir.file(node + (dataset == "ACTUAL" ? "-actual" : "-exercise") + ".db");
  o.node_id = node;
  o.dataset = dataset;
  o.wall_clock = [] { return kNow; };
  return Store::open(o);
}

// The demo city as HQ holds it: master data plus HQ's own records (deterministic seed).
inline void fill_demo(Store& s) {
  fill_demo_master_data(s, kNow);
  fill_demo_node(s, DemoNode{"hq", "hq"}, kNow, 7);
}

inline std::string demo_map_path() {
  return std::string(HONBU_SOURCE_DIR) + "/assets/map/minato-demo.geojson";
}
inline AreaMap demo_map() {
  return load_area_map(demo_map_path());
}

// The OASIS schema as shipped in ../shared (the reference) and the copy in assets/.
inline std::string shared_cap_xsd_path() {
  return std::string(HONBU_SOURCE_DIR) + "/../shared/schemas/CAP-v1.2.xsd";
}
inline std::string assets_cap_xsd() {
  return std::string(HONBU_SOURCE_DIR) + "/assets/schemas/CAP-v1.2.xsd";
}
// The schema every document is validated against: the reference in ../shared when this
// checkout has it beside it, else the copy shipped in assets/ (ShippedXsdIsTheOasisSchema
// checks the two are the same file wherever both exist).
inline std::string shared_cap_xsd() {
  std::ifstream f(shared_cap_xsd_path());
  return f ? shared_cap_xsd_path() : assets_cap_xsd();
}

inline std::string read_file(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
}
inline void write_file(const std::string& path, const std::string& text) {
  std::ofstream f(path, std::ios::binary);
  f << text;
}

#if LIBXML_VERSION >= 21200
inline void collect_xml_error(void* ctx, const xmlError* e) {
#else
inline void collect_xml_error(void* ctx, xmlError* e) {
#endif
  if (e && e->message) *static_cast<std::string*>(ctx) += e->message;
}

// Validates with libxml2 directly (not through the importer): "" when valid, else the errors.
inline std::string libxml2_xsd_errors(const std::string& xml, const std::string& xsd) {
  std::string errors;
  xmlSetStructuredErrorFunc(&errors, collect_xml_error);
  xmlDoc* doc = xmlReadMemory(xml.data(), static_cast<int>(xml.size()), "alert.xml", nullptr,
                              XML_PARSE_NONET);
  xmlSchemaParserCtxt* pc = doc ? xmlSchemaNewParserCtxt(xsd.c_str()) : nullptr;
  xmlSchema* schema = pc ? xmlSchemaParse(pc) : nullptr;
  if (pc) xmlSchemaFreeParserCtxt(pc);
  int rc = -1;
  if (schema) {
    xmlSchemaValidCtxt* vc = xmlSchemaNewValidCtxt(schema);
    xmlSchemaSetValidStructuredErrors(vc, collect_xml_error, &errors);
    rc = xmlSchemaValidateDoc(vc, doc);
    xmlSchemaFreeValidCtxt(vc);
    xmlSchemaFree(schema);
  }
  if (doc) xmlFreeDoc(doc);
  xmlSetStructuredErrorFunc(nullptr, nullptr);
  if (!doc) return "not well-formed: " + errors;
  if (!schema) return "schema not loaded: " + errors;
  if (rc != 0 && errors.empty()) errors = "invalid (rc " + std::to_string(rc) + ")";
  return errors;
}

}  // namespace honbu::testing
