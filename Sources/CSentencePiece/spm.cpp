// The one file that calls libsentencepiece. Every entry point runs its body through `guarded`, so no
// C++ exception unwinds into Swift; failures come back as NULL / -1 with a reason.
#include "clipz_spm.h"

#include <sentencepiece_processor.h>

#include <cstring>
#include <exception>
#include <string>
#include <vector>

struct clipz_spm {
    sentencepiece::SentencePieceProcessor processor;
};

static void copy_cstring(char *err, size_t cap, const std::string &message) {
    if (err == nullptr || cap == 0) return;
    size_t n = message.size() < cap - 1 ? message.size() : cap - 1;
    std::memcpy(err, message.data(), n);
    err[n] = 0;
}

/// Runs `body`; on a C++ exception writes its message to `err` and returns `failed`.
template <typename T, typename F> static T guarded(char *err, size_t errcap, T failed, F body) {
    try {
        return body();
    } catch (const std::exception &e) {
        copy_cstring(err, errcap, e.what());
    } catch (...) {
        copy_cstring(err, errcap, "unknown error in sentencepiece");
    }
    return failed;
}

extern "C" clipz_spm *clipz_spm_load(const void *bytes, size_t len, char *err, size_t errcap) {
    return guarded<clipz_spm *>(err, errcap, nullptr, [&]() -> clipz_spm * {
        auto *model = new clipz_spm();
        auto status = model->processor.LoadFromSerializedProto(absl::string_view(static_cast<const char *>(bytes), len));
        if (status.ok()) return model;
        copy_cstring(err, errcap, status.ToString());
        delete model;
        return nullptr;
    });
}

extern "C" void clipz_spm_free(clipz_spm *model) { delete model; }

extern "C" int clipz_spm_piece_count(const clipz_spm *model) { return model->processor.GetPieceSize(); }

extern "C" int clipz_spm_unk_id(const clipz_spm *model) { return model->processor.unk_id(); }

extern "C" int clipz_spm_is_control(const clipz_spm *model, int id) {
    if (id < 0 || id >= model->processor.GetPieceSize()) return 0;
    return guarded<int>(nullptr, 0, 0, [&] { return model->processor.IsControl(id) ? 1 : 0; });
}

extern "C" int clipz_spm_piece_to_id(const clipz_spm *model, const char *piece, size_t len) {
    return guarded<int>(nullptr, 0, model->processor.unk_id(),
                        [&] { return model->processor.PieceToId(absl::string_view(piece, len)); });
}

extern "C" long clipz_spm_id_to_piece(const clipz_spm *model, int id, char *out, size_t cap) {
    if (id < 0 || id >= model->processor.GetPieceSize()) return -1;
    return guarded<long>(nullptr, 0, -1L, [&] {
        const std::string &piece = model->processor.IdToPiece(id);
        copy_cstring(out, cap, piece);
        return static_cast<long>(piece.size());
    });
}

extern "C" long clipz_spm_encode(const clipz_spm *model, const char *text, size_t len, int *out, size_t cap,
                                 char *err, size_t errcap) {
    return guarded<long>(err, errcap, -1L, [&] {
        std::vector<int> ids;
        auto status = model->processor.Encode(absl::string_view(text, len), &ids);
        if (!status.ok()) {
            copy_cstring(err, errcap, status.ToString());
            return -1L;
        }
        size_t n = ids.size() < cap ? ids.size() : cap;
        if (n > 0) std::memcpy(out, ids.data(), n * sizeof(int));
        return static_cast<long>(ids.size());
    });
}
