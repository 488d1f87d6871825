// The one file that calls libsentencepiece. Every entry point catches C++ exceptions so that none
// unwinds into Swift; failures come back as NULL / -1 with a reason.
#include "clipz_spm.h"

#include <sentencepiece_processor.h>

#include <cstring>
#include <exception>
#include <string>
#include <vector>

struct clipz_spm {
    sentencepiece::SentencePieceProcessor processor;
};

static void set_error(char *err, size_t cap, const std::string &message) {
    if (err == nullptr || cap == 0) return;
    size_t n = message.size() < cap - 1 ? message.size() : cap - 1;
    std::memcpy(err, message.data(), n);
    err[n] = 0;
}

extern "C" clipz_spm *clipz_spm_load(const void *bytes, size_t len, char *err, size_t errcap) {
    try {
        auto *model = new clipz_spm();
        auto status = model->processor.LoadFromSerializedProto(
            absl::string_view(static_cast<const char *>(bytes), len));
        if (!status.ok()) {
            set_error(err, errcap, status.ToString());
            delete model;
            return nullptr;
        }
        return model;
    } catch (const std::exception &e) {
        set_error(err, errcap, e.what());
    } catch (...) {
        set_error(err, errcap, "unknown error in sentencepiece");
    }
    return nullptr;
}

extern "C" void clipz_spm_free(clipz_spm *model) { delete model; }

extern "C" int clipz_spm_piece_count(const clipz_spm *model) { return model->processor.GetPieceSize(); }

extern "C" int clipz_spm_unk_id(const clipz_spm *model) { return model->processor.unk_id(); }

extern "C" int clipz_spm_piece_to_id(const clipz_spm *model, const char *piece, size_t len) {
    try {
        return model->processor.PieceToId(absl::string_view(piece, len));
    } catch (...) {
        return model->processor.unk_id();
    }
}

extern "C" long clipz_spm_id_to_piece(const clipz_spm *model, int id, char *out, size_t cap) {
    if (id < 0 || id >= model->processor.GetPieceSize()) return -1;
    try {
        const std::string &piece = model->processor.IdToPiece(id);
        set_error(out, cap, piece);
        return static_cast<long>(piece.size());
    } catch (...) {
        return -1;
    }
}

extern "C" long clipz_spm_encode(const clipz_spm *model, const char *text, size_t len, int *out, size_t cap,
                                 char *err, size_t errcap) {
    try {
        std::vector<int> ids;
        auto status = model->processor.Encode(absl::string_view(text, len), &ids);
        if (!status.ok()) {
            set_error(err, errcap, status.ToString());
            return -1;
        }
        size_t n = ids.size() < cap ? ids.size() : cap;
        if (n > 0) std::memcpy(out, ids.data(), n * sizeof(int));
        return static_cast<long>(ids.size());
    } catch (const std::exception &e) {
        set_error(err, errcap, e.what());
    } catch (...) {
        set_error(err, errcap, "unknown error in sentencepiece");
    }
    return -1;
}
