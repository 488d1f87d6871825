// C interface to libsentencepiece (Debian: libsentencepiece-dev) for the SigLIP tokenizers.
// The C++ library stays behind these functions; no C++ type or exception crosses them.
#ifndef CLIPZ_SPM_H
#define CLIPZ_SPM_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct clipz_spm clipz_spm;

/// Loads a serialized SentencePiece ModelProto (the bytes of `spiece.model` / `tokenizer.model`).
/// Returns NULL on failure and writes a NUL-terminated reason (truncated to `errcap`) into `err`.
clipz_spm *clipz_spm_load(const void *bytes, size_t len, char *err, size_t errcap);
void clipz_spm_free(clipz_spm *model);

/// Number of pieces (the vocabulary size).
int clipz_spm_piece_count(const clipz_spm *model);
/// Id of a piece (UTF-8, `len` bytes); the unknown id when the piece is not in the vocabulary.
int clipz_spm_piece_to_id(const clipz_spm *model, const char *piece, size_t len);
/// The piece of an id as UTF-8, NUL-terminated in `out` (truncated to `cap`); returns its full length, -1 for a bad id.
long clipz_spm_id_to_piece(const clipz_spm *model, int id, char *out, size_t cap);
int clipz_spm_unk_id(const clipz_spm *model);
/// 1 when the id is a control piece (`<pad>`, `<eos>`, `<bos>`...: never produced by encoding text), else 0.
int clipz_spm_is_control(const clipz_spm *model, int id);

/// Encodes UTF-8 text (`len` bytes, need not be NUL-terminated) into ids. Writes at most `cap` ids and
/// returns how many the text has (may exceed `cap`: call again with room); -1 on failure (reason in `err`).
long clipz_spm_encode(const clipz_spm *model, const char *text, size_t len, int *out, size_t cap, char *err, size_t errcap);

#ifdef __cplusplus
}
#endif
#endif
