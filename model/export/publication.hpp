// [SECTION] Publishing is an explicit act: every report sent upward (第4号様式 第N報), every
// CAP alert file and every export handed to someone is recorded as a Publication — what,
// when, by whom, to whom, which file, a digest of its bytes. Edits never publish anything by
// themselves (a prefectural portal re-broadcast "shelter opened" when an address was edited;
// here nothing leaves without a person's act, and that act is in the record).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "model/db.hpp"
#include "model/entities.hpp"
#include "model/store.hpp"

namespace honbu {

struct PublicationWrite {
  std::string id;  // "form4-<N>" for 第4号様式; "<format>-<time>-<digest>" for the others
  Publication record;
};

// The record of an export (CAP, GeoJSON, CSV) of `items` items written to `file_name`.
PublicationWrite export_publication(std::string_view format, std::int64_t items, std::string_view file_name,
                                    std::string_view rendered, std::string_view operator_name, std::string_view addressed_to,
                                    TimeMs as_of, TimeMs now);

// Writes it (refuses, with a problem naming report_no, an id already recorded).
LocalResult record_publication(Store& s, const PublicationWrite& w, std::string_view operator_name);

// Every publication, newest first.
std::vector<Publication> publications(Db& db);

// A short content digest (FNV-1a 64, hex) to tell two issued files apart; not a signature.
std::string content_digest(std::string_view bytes);

}  // namespace honbu
