// CRC-32C and SHA-256, written from their specifications (RFC 3720 appendix B.4; FIPS 180-4).
#include "clipz_kernels.h"
#include <string.h>
#if defined(__x86_64__)
#include <nmmintrin.h>
#endif

static uint32_t crc_table[8][256];
static int crc_ready = 0;

static void crc_init_table(void) {
    for (uint32_t i = 0; i < 256; i++) {
        uint32_t c = i;
        for (int k = 0; k < 8; k++) c = (c & 1) ? (c >> 1) ^ 0x82F63B78u : c >> 1;
        crc_table[0][i] = c;
    }
    for (uint32_t i = 0; i < 256; i++)
        for (int t = 1; t < 8; t++)
            crc_table[t][i] = (crc_table[t - 1][i] >> 8) ^ crc_table[0][crc_table[t - 1][i] & 0xFF];
    __atomic_store_n(&crc_ready, 1, __ATOMIC_RELEASE);
}

static uint32_t crc_soft(uint32_t c, const uint8_t *p, size_t n) {
    if (!__atomic_load_n(&crc_ready, __ATOMIC_ACQUIRE)) crc_init_table();
    while (n >= 8) {
        uint64_t v; memcpy(&v, p, 8);
        v ^= c;
        c = crc_table[7][v & 0xFF] ^ crc_table[6][(v >> 8) & 0xFF] ^ crc_table[5][(v >> 16) & 0xFF] ^
            crc_table[4][(v >> 24) & 0xFF] ^ crc_table[3][(v >> 32) & 0xFF] ^ crc_table[2][(v >> 40) & 0xFF] ^
            crc_table[1][(v >> 48) & 0xFF] ^ crc_table[0][v >> 56];
        p += 8; n -= 8;
    }
    while (n--) c = (c >> 8) ^ crc_table[0][(c ^ *p++) & 0xFF];
    return c;
}

#if defined(__x86_64__)
__attribute__((target("sse4.2")))
static uint32_t crc_hw(uint32_t c, const uint8_t *p, size_t n) {
    uint64_t c64 = c;
    while (n >= 8) { uint64_t v; memcpy(&v, p, 8); c64 = _mm_crc32_u64(c64, v); p += 8; n -= 8; }
    c = (uint32_t)c64;
    while (n--) c = _mm_crc32_u8(c, *p++);
    return c;
}
#endif

uint32_t clipz_crc32c(uint32_t crc, const void *data, size_t length) {
    uint32_t c = ~crc;
#if defined(__x86_64__)
    if (__builtin_cpu_supports("sse4.2")) return ~crc_hw(c, (const uint8_t *)data, length);
#endif
    return ~crc_soft(c, (const uint8_t *)data, length);
}

// ---- SHA-256 ----
static const uint32_t K[64] = {
    0x428a2f98,0x71374491,0xb5c0fbcf,0xe9b5dba5,0x3956c25b,0x59f111f1,0x923f82a4,0xab1c5ed5,
    0xd807aa98,0x12835b01,0x243185be,0x550c7dc3,0x72be5d74,0x80deb1fe,0x9bdc06a7,0xc19bf174,
    0xe49b69c1,0xefbe4786,0x0fc19dc6,0x240ca1cc,0x2de92c6f,0x4a7484aa,0x5cb0a9dc,0x76f988da,
    0x983e5152,0xa831c66d,0xb00327c8,0xbf597fc7,0xc6e00bf3,0xd5a79147,0x06ca6351,0x14292967,
    0x27b70a85,0x2e1b2138,0x4d2c6dfc,0x53380d13,0x650a7354,0x766a0abb,0x81c2c92e,0x92722c85,
    0xa2bfe8a1,0xa81a664b,0xc24b8b70,0xc76c51a3,0xd192e819,0xd6990624,0xf40e3585,0x106aa070,
    0x19a4c116,0x1e376c08,0x2748774c,0x34b0bcb5,0x391c0cb3,0x4ed8aa4a,0x5b9cca4f,0x682e6ff3,
    0x748f82ee,0x78a5636f,0x84c87814,0x8cc70208,0x90befffa,0xa4506ceb,0xbef9a3f7,0xc67178f2};

#define ROR(x, n) (((x) >> (n)) | ((x) << (32 - (n))))

static void sha_block(uint32_t s[8], const uint8_t *b) {
    uint32_t w[64];
    for (int i = 0; i < 16; i++) w[i] = (uint32_t)b[4*i] << 24 | (uint32_t)b[4*i+1] << 16 | (uint32_t)b[4*i+2] << 8 | b[4*i+3];
    for (int i = 16; i < 64; i++) {
        uint32_t s0 = ROR(w[i-15], 7) ^ ROR(w[i-15], 18) ^ (w[i-15] >> 3);
        uint32_t s1 = ROR(w[i-2], 17) ^ ROR(w[i-2], 19) ^ (w[i-2] >> 10);
        w[i] = w[i-16] + s0 + w[i-7] + s1;
    }
    uint32_t a = s[0], bb = s[1], c = s[2], d = s[3], e = s[4], f = s[5], g = s[6], h = s[7];
    for (int i = 0; i < 64; i++) {
        uint32_t t1 = h + (ROR(e, 6) ^ ROR(e, 11) ^ ROR(e, 25)) + ((e & f) ^ (~e & g)) + K[i] + w[i];
        uint32_t t2 = (ROR(a, 2) ^ ROR(a, 13) ^ ROR(a, 22)) + ((a & bb) ^ (a & c) ^ (bb & c));
        h = g; g = f; f = e; e = d + t1; d = c; c = bb; bb = a; a = t1 + t2;
    }
    s[0] += a; s[1] += bb; s[2] += c; s[3] += d; s[4] += e; s[5] += f; s[6] += g; s[7] += h;
}

#if defined(__x86_64__)
#include <immintrin.h>
// SHA extensions (SHA-NI): two rounds per sha256rnds2 on the state split as ABEF / CDGH, the message
// schedule by sha256msg1/msg2. Tests check both paths on FIPS 180-2 vectors fed in uneven pieces.
__attribute__((target("sha,sse4.1,ssse3"))) static void sha_blocks_ni(uint32_t s[8], const uint8_t *b, size_t blocks) {
    const __m128i swap = _mm_set_epi64x(0x0c0d0e0f08090a0bULL, 0x0405060700010203ULL);  // big-endian words
    __m128i t = _mm_shuffle_epi32(_mm_loadu_si128((const __m128i *)s), 0xB1);           // B A D C
    __m128i st1 = _mm_shuffle_epi32(_mm_loadu_si128((const __m128i *)(s + 4)), 0x1B);   // H G F E
    __m128i st0 = _mm_alignr_epi8(t, st1, 8);                                            // ABEF (F E B A from lane 0)
    st1 = _mm_blend_epi16(st1, t, 0xF0);                                                 // CDGH (H G D C)
    for (; blocks; blocks--, b += 64) {
        __m128i abef = st0, cdgh = st1, m[4];
        for (int i = 0; i < 4; i++) m[i] = _mm_shuffle_epi8(_mm_loadu_si128((const __m128i *)(b + 16 * i)), swap);
        for (int i = 0; i < 16; i++) {
            __m128i w = m[i % 4];
            if (i >= 4) {  // W[4i..4i+3] from the four previous groups
                __m128i x = _mm_add_epi32(_mm_sha256msg1_epu32(m[i % 4], m[(i + 1) % 4]), _mm_alignr_epi8(m[(i + 3) % 4], m[(i + 2) % 4], 4));
                w = m[i % 4] = _mm_sha256msg2_epu32(x, m[(i + 3) % 4]);
            }
            __m128i wk = _mm_add_epi32(w, _mm_loadu_si128((const __m128i *)(K + 4 * i)));
            st1 = _mm_sha256rnds2_epu32(st1, st0, wk);
            st0 = _mm_sha256rnds2_epu32(st0, st1, _mm_shuffle_epi32(wk, 0x0E));
        }
        st0 = _mm_add_epi32(st0, abef);
        st1 = _mm_add_epi32(st1, cdgh);
    }
    t = _mm_shuffle_epi32(st0, 0x1B);     // A B E F
    st1 = _mm_shuffle_epi32(st1, 0xB1);   // G H C D
    _mm_storeu_si128((__m128i *)s, _mm_blend_epi16(t, st1, 0xF0));
    _mm_storeu_si128((__m128i *)(s + 4), _mm_alignr_epi8(st1, t, 8));
}
#endif

/// Whole 64-byte blocks: SHA-NI where the CPU has it, else the portable rounds.
static void sha_blocks(uint32_t s[8], const uint8_t *b, size_t blocks) {
#if defined(__x86_64__)
    if (clipz_cpu_features() & CLIPZ_CPU_SHA) { sha_blocks_ni(s, b, blocks); return; }
#endif
    for (; blocks; blocks--, b += 64) sha_block(s, b);
}

void clipz_sha256_init(clipz_sha256_ctx *ctx) {
    static const uint32_t iv[8] = {0x6a09e667,0xbb67ae85,0x3c6ef372,0xa54ff53a,0x510e527f,0x9b05688c,0x1f83d9ab,0x5be0cd19};
    memcpy(ctx->state, iv, sizeof iv); ctx->total = 0; ctx->used = 0;
}

void clipz_sha256_update(clipz_sha256_ctx *ctx, const void *data, size_t n) {
    const uint8_t *p = (const uint8_t *)data;
    ctx->total += n;
    if (ctx->used) {
        size_t take = 64 - ctx->used < n ? 64 - ctx->used : n;
        memcpy(ctx->block + ctx->used, p, take); ctx->used += take; p += take; n -= take;
        if (ctx->used == 64) { sha_blocks(ctx->state, ctx->block, 1); ctx->used = 0; }
    }
    if (n >= 64) { sha_blocks(ctx->state, p, n / 64); p += n / 64 * 64; n %= 64; }
    if (n) { memcpy(ctx->block, p, n); ctx->used = n; }
}

void clipz_sha256_final(clipz_sha256_ctx *ctx, uint8_t out[32]) {
    uint64_t bits = ctx->total * 8;
    uint8_t pad = 0x80, zero = 0;
    clipz_sha256_update(ctx, &pad, 1);
    while (ctx->used != 56) clipz_sha256_update(ctx, &zero, 1);
    uint8_t len[8];
    for (int i = 0; i < 8; i++) len[i] = (uint8_t)(bits >> (56 - 8 * i));
    clipz_sha256_update(ctx, len, 8);
    for (int i = 0; i < 8; i++) {
        out[4*i] = ctx->state[i] >> 24; out[4*i+1] = ctx->state[i] >> 16; out[4*i+2] = ctx->state[i] >> 8; out[4*i+3] = ctx->state[i];
    }
}
