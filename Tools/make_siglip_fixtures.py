"""SigLIP fixtures (SentencePiece tokenizer, HF SiglipModel, open_clip SigLIP), made by the real libraries.

    python Tools/make_siglip_fixtures.py            # everything
    python Tools/make_siglip_fixtures.py spm hf     # only some parts (spm, gemma, hf, odd, openclip, onnx)

Needs torch, transformers, open_clip_torch, timm, sentencepiece, protobuf, safetensors, numpy, pillow (PyPI);
onnx, onnxscript and onnxruntime for the `onnx` part. Seeds are fixed; rerunning rewrites byte-identical files
(the ONNX graphs are re-saved without the exporter's per-node metadata). Writes:

- Tests/ClipzTextTests/Fixtures/siglip/
  - spiece.model: a unigram SentencePiece model (vocab SPM_VOCAB) trained on a deterministic lowercase
    English caption corpus generated below; <pad>=0, </s>=1, <unk>=2, no <s> (Google's SigLIP layout).
  - ids.json: {"context_length": 64, "cases": [{"text", "hf", "open_clip"}]}: `hf` from transformers'
    SiglipTokenizer(vocab_file=spiece.model)(text, padding="max_length", max_length=64, truncation=True),
    `open_clip` from open_clip.tokenizer.HFTokenizer(<saved SiglipTokenizer dir>, context_length=64,
    clean="canonicalize")(text). Also "pieces" (the HF pieces before ids) for debugging.
  - README.md
- Tests/ClipzTextTests/Fixtures/siglip2/ (part `gemma`): a BPE SentencePiece model with Gemma's options
  (tokenizer.model), SigLIP 2's tokenizer_config.json, ids.json with the ids of transformers' GemmaTokenizer,
  Siglip2Tokenizer and open_clip's HFTokenizer(clean="canonicalize") on that folder, README.md.
- Tests/ClipzImportTests/Fixtures/siglip_hf/: a tiny seeded transformers SiglipModel (save_pretrained:
  config.json, model.safetensors), its tokenizer (spiece.model, tokenizer_config.json, ...), its
  SiglipImageProcessor (preprocessor_config.json), photo_97x61.png, golden.npz, golden_texts.json.
- Tests/ClipzImportTests/Fixtures/siglip_openclip/: a tiny open_clip SigLIP (timm ViT trunk with MAP head +
  custom text tower) in the hub layout: open_clip_config.json, open_clip_model.safetensors, the HF
  tokenizer files, golden.npz, golden_texts.json.
- Tests/ClipzImportTests/Fixtures/siglip_hf_odd/ (part `odd`): a tiny SiglipModel with So400m's awkward shapes
  (width 48, head dim 24, MLP 88, image 30 at patch 8): config.json, model.safetensors, golden.npz, README.md.
- onnx part: siglip_hf/vision.onnx, siglip_hf/text.onnx (torch.onnx.export dynamo=True, dynamic batch),
  siglip_hf/vision_legacy.onnx, siglip_hf/text_legacy.onnx (dynamo=False, opset 17) and image_embeds_ort /
  text_embeds_ort / image_embeds_ort_legacy / text_embeds_ort_legacy added to siglip_hf/golden.npz.
The facts measured while generating (versions, sizes, name tables) go into the README sections.
"""
import io
import json
import math
import pathlib
import shutil
import sys
import tempfile

import numpy as np
import torch

REPO = pathlib.Path(__file__).resolve().parent.parent
TEXT_DIR = REPO / "Tests/ClipzTextTests/Fixtures/siglip"
HF_DIR = REPO / "Tests/ClipzImportTests/Fixtures/siglip_hf"
OC_DIR = REPO / "Tests/ClipzImportTests/Fixtures/siglip_openclip"
ODD_DIR = REPO / "Tests/ClipzImportTests/Fixtures/siglip_hf_odd"
PHOTO_SRC = REPO / "Tests/ClipzImageTests/Fixtures/rgb_97x61.png"
COMMAND = "python Tools/make_siglip_fixtures.py"

SPM_VOCAB = 512
CONTEXT = 64
SPM_SEED = 1234
HF_SEED = 700
OC_SEED = 800
ODD_SEED = 900

# Three texts for the model goldens (the same in both model folders).
MODEL_TEXTS = ["a photo of a cat", "Two DOGS, playing in the snow!", "a red car with 42 wheels"]

# ---------------------------------------------------------------------------------------------------------
# 1. SentencePiece model

NOUNS = """cat dog bird horse sheep cow elephant bear zebra giraffe car bus truck train boat airplane bicycle
motorcycle person man woman child baby family tree flower garden forest mountain river lake beach ocean sky cloud
sun moon star house building bridge road street city village kitchen table chair sofa bed lamp window door book
phone computer keyboard camera clock bottle cup glass plate bowl spoon fork knife pizza sandwich apple banana orange
cake bread cheese coffee tea guitar piano violin drum ball kite umbrella hat shoe shirt dress jacket bag painting
statue castle church tower fountain field farm snow rain storm sunset night street sign traffic light""".split()
ADJS = """red green blue yellow black white small large big tiny old young new wooden metal happy sleepy wet dry
bright dark colorful empty crowded quiet beautiful ugly fluffy shiny broken famous""".split()
TEMPLATES = ["a photo of a {a} {n}", "a photo of the {n}", "a picture of a {n}", "an image of a {a} {n}",
             "a close up photo of a {n}", "a blurry photo of the {a} {n}", "this is a {n}", "a drawing of a {a} {n}",
             "a {a} {n} on the {m}", "two {n}s next to a {m}", "the {n} and the {m}", "a painting of {n}s in a {m}"]
SENTENCES = ["there are 3 cats and 12 dogs in the garden", "the train leaves at 10 45 from platform 9",
             "in 1999 the bridge was 250 meters long", "she bought 7 apples and 2 bananas for 5 dollars",
             "a sign that says 30 km per hour", "the year 2024 had 366 days", "room 101 is on the 1st floor",
             "a café in a small village", "a naïve painting of a mountain", "the number 0 and the number 8",
             "a group of 6 people standing in the rain", "an old clock showing 12 o clock",
             "my phone number is 555 0199", "there is nothing here", "what a wonderful world it is",
             "dogs and cats are playing together", "the quick brown fox jumps over the lazy dog"]
VERBS = """running jumping sitting standing sleeping eating drinking flying swimming walking reading writing
playing singing dancing climbing riding driving cooking painting looking waiting smiling laughing holding carrying
watching parked floating hanging growing falling shining melting""".split()
PLACES = """street park kitchen beach field table forest river road mountain garden room station market airport
harbor desert island valley bridge hospital school library museum restaurant stadium""".split()
EXTRA = """one two three four five six seven eight nine ten eleven twelve twenty thirty hundred thousand million
first second third morning evening afternoon yesterday today tomorrow spring summer autumn winter january february
march april may june july august september october november december monday tuesday wednesday thursday friday
saturday sunday north south east west left right above below under behind between inside outside around through
across along against during without within beautifully quickly slowly carefully happily suddenly together almost
always never often sometimes usually rarely because although however therefore meanwhile otherwise perhaps maybe
certainly probably definitely absolutely completely partially extremely incredibly surprisingly apparently
photograph photography photographer picture pictures image images illustration sketch cartoon sculpture portrait
landscape wildlife nature architecture interior exterior vehicle animal animals plant plants insect butterfly
spider snake lizard turtle frog rabbit squirrel mouse monkey lion tiger leopard wolf fox deer camel kangaroo
penguin dolphin whale shark octopus crab lobster salmon chicken duck goose eagle owl parrot pigeon swan
strawberry pineapple watermelon grape lemon cherry peach pear carrot tomato potato onion pepper broccoli mushroom
hamburger noodles rice soup salad pasta chocolate cookie donut icecream juice water wine beer milk sugar salt
skateboard surfboard snowboard tennis racket baseball basketball football soccer golf hockey volleyball
helicopter rocket satellite submarine tractor scooter ambulance firetruck taxi subway tram ferry yacht canoe
teacher doctor nurse farmer police soldier artist musician chef pilot driver student worker scientist engineer
grandmother grandfather mother father brother sister daughter son friend neighbor stranger crowd audience team
""".split()


def corpus():
    lines = []
    for i, n in enumerate(NOUNS):
        for j, t in enumerate(TEMPLATES):
            if (i + j) % 3:
                continue
            lines.append(t.format(n=n, a=ADJS[(i * 7 + j) % len(ADJS)], m=NOUNS[(i * 13 + j * 5) % len(NOUNS)]))
    for i, v in enumerate(VERBS):
        for j, p in enumerate(PLACES):
            if (i * 3 + j) % 4 == 0:
                lines.append(f"a {ADJS[(i + j) % len(ADJS)]} {NOUNS[(i * 11 + j * 3) % len(NOUNS)]} {v} in the {p}")
    for i in range(0, len(EXTRA), 6):
        lines.append("a photo of " + " ".join(EXTRA[i:i + 6]))
        lines.append("the " + " and the ".join(EXTRA[i:i + 3]))
    for k in range(3):
        lines.extend(SENTENCES)
    return lines


SPM_TRAINER = dict(model_type="unigram", vocab_size=SPM_VOCAB, character_coverage=1.0,
                   pad_id=0, eos_id=1, unk_id=2, bos_id=-1, pad_piece="<pad>", eos_piece="</s>", unk_piece="<unk>",
                   normalization_rule_name="nmt_nfkc", add_dummy_prefix=True, remove_extra_whitespaces=True,
                   split_digits=False, byte_fallback=False, num_threads=1, shuffle_input_sentence=False,
                   input_sentence_size=0, minloglevel=2)


def train(path, seed, lines, options):
    """A seeded SentencePiece model trained on `lines`, written to `path`."""
    import sentencepiece as spm
    spm.set_random_generator_seed(seed)
    buf = io.BytesIO()
    spm.SentencePieceTrainer.train(sentence_iterator=iter(lines), model_writer=buf, **options)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(buf.getvalue())
    return path


def train_spm():
    return train(TEXT_DIR / "spiece.model", SPM_SEED, corpus(), SPM_TRAINER)


def spm_facts(path):
    import sentencepiece as spm
    from sentencepiece import sentencepiece_model_pb2 as pb
    m = pb.ModelProto()
    m.ParseFromString(path.read_bytes())
    ns = m.normalizer_spec
    sp = spm.SentencePieceProcessor(model_file=str(path))
    types = {1: "NORMAL", 2: "UNKNOWN", 3: "CONTROL", 4: "USER_DEFINED", 5: "UNUSED", 6: "BYTE"}
    return {"vocab": sp.get_piece_size(), "normalizer": ns.name, "add_dummy_prefix": ns.add_dummy_prefix,
            "remove_extra_whitespaces": ns.remove_extra_whitespaces, "escape_whitespaces": ns.escape_whitespaces,
            "precompiled_charsmap_bytes": len(ns.precompiled_charsmap),
            "specials": [(i, sp.id_to_piece(i), types[m.pieces[i].type]) for i in range(4)],
            "pad": sp.pad_id(), "eos": sp.eos_id(), "unk": sp.unk_id(), "bos": sp.bos_id(),
            "has_lone_underscore": sp.piece_to_id("\u2581") != sp.unk_id(),
            "id_of_lone_underscore": sp.piece_to_id("\u2581")}


# Tokenizer golden cases: each targets something a naive implementation gets wrong.
LONG = " ".join(f"{ADJS[i % len(ADJS)]} {NOUNS[i % len(NOUNS)]}" for i in range(45))
CASES = [
    "a photo of a cat",
    "A Photo Of A CAT",
    "a photo of a cat.",
    "Hello, World! How are you?",
    "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~",
    "it's a dog's life (really) [ok] {fine} <tag> a/b a\\b a|b a~b a^b a`b",
    "snake_case_words and __dunder__",
    "tabs\tand\nnewlines\r\nhere",
    "multiple     spaces   between   words",
    "   leading and trailing spaces   ",
    "\t\n ",
    "",
    " ",
    "café naïve résumé",
    "CAFÉ NAÏVE",
    "straße STRASSE ß",
    "İstanbul ıi İI",
    "Ωμέγα ελληνικά",
    "東京の猫 中文",
    "a cat 🐈 and a dog 🐕‍🦺",
    "“quoted” ‘single’ — dash – en … ellipsis",
    "\u2581a photo\u2581of \u2581",
    "\u2581\u2581double",
    "a photo </s> of a cat",
    "</s>",
    "<unk> token <unk>",
    "<pad> x <s>",
    "a</s>b",
    "3 cats and 12 dogs in 1999",
    "0123456789 3.14 1,000,000 -5 +7",
    "room 101 on the 2nd floor",
    LONG,
    "supercalifragilistic xylophone quokka",
    "zzz qqq jjj",
    "full\u3000width\u3000space ＡＢＣ １２３",
    "ligature ﬁne ﬂower",
    "a\u00a0non\u00a0breaking\u00a0space",
    "zero\u200bwidth\u200bspace",
    "e\u0301 combining acute vs é",
    "&amp; &lt;b&gt; html entities",
    "The Quick Brown Fox Jumps Over The Lazy Dog 42 TIMES!!!",
    "a photo of a cat" + " a photo of a cat" * 20,
]


def write_ids(path, doc):
    """ids.json with one case per line."""
    head = json.dumps({k: v for k, v in doc.items() if k != "cases"}, ensure_ascii=False, indent=1)[:-2]
    rows = ",\n  ".join(json.dumps(c, ensure_ascii=False) for c in doc["cases"])
    path.write_text(head + ',\n "cases": [\n  ' + rows + "\n ]\n}\n", encoding="utf-8")


def tokenizer_goldens(spm_path):
    from transformers import SiglipTokenizer
    from open_clip.tokenizer import HFTokenizer
    tok = SiglipTokenizer(vocab_file=str(spm_path))
    with tempfile.TemporaryDirectory() as td:
        tok.save_pretrained(td)
        oc = HFTokenizer(td, context_length=CONTEXT, clean="canonicalize")
        oc_class = type(oc.tokenizer).__name__
        cases = []
        for text in CASES:
            hf = tok(text, padding="max_length", max_length=CONTEXT, truncation=True)["input_ids"]
            o = oc(text)[0].tolist()
            assert len(hf) == CONTEXT and len(o) == CONTEXT, (text, len(hf), len(o))
            cases.append({"text": text, "hf": hf, "open_clip": o, "hf_pieces": tok.tokenize(text)})
    doc = {"context_length": CONTEXT, "_command": COMMAND,
           "_note": "hf: SiglipTokenizer(vocab_file=spiece.model)(text, padding='max_length', max_length=64, "
                    "truncation=True)['input_ids']; open_clip: open_clip.tokenizer.HFTokenizer(<dir with the saved "
                    "SiglipTokenizer>, context_length=64, clean='canonicalize')(text); hf_pieces: tok.tokenize(text)",
           "cases": cases}
    write_ids(TEXT_DIR / "ids.json", doc)
    return cases, oc_class


# ---------------------------------------------------------------------------------------------------------
# 1b. SigLIP 2's Gemma tokenizer (part `gemma`)

GEMMA_DIR = REPO / "Tests/ClipzTextTests/Fixtures/siglip2"
GEMMA_VOCAB = 700  # 5 specials + 256 byte pieces + merges and characters
GEMMA_SEED = 4321
# Gemma's SentencePiece layout and options (google/gemma-7b tokenizer.model, used unchanged by SigLIP 2): BPE with
# byte fallback, identity normalization, no dummy prefix, whitespace kept, digits split; <pad> <eos> <bos> <unk> at
# 0-3 and the user-defined <mask> at 4.
GEMMA_TRAINER = dict(model_type="bpe", vocab_size=GEMMA_VOCAB, character_coverage=1.0, byte_fallback=True,
                     split_digits=True, add_dummy_prefix=False, remove_extra_whitespaces=False,
                     normalization_rule_name="identity", allow_whitespace_only_pieces=True,
                     pad_id=0, eos_id=1, bos_id=2, unk_id=3, pad_piece="<pad>", eos_piece="<eos>", bos_piece="<bos>",
                     unk_piece="<unk>", user_defined_symbols=["<mask>"], num_threads=1, shuffle_input_sentence=False,
                     input_sentence_size=0, minloglevel=2)
# What transformers' convert_siglip2_to_hf.py passes to GemmaTokenizerFast.from_pretrained("google/gemma-7b")
# for the SigLIP 2 checkpoints; the hub's tokenizer_config.json carries these keys (model_max_length 64 too).
GEMMA_TOKENIZER_CONFIG = {
    "tokenizer_class": "GemmaTokenizer", "add_bos_token": False, "add_eos_token": True,
    "bos_token": "<bos>", "eos_token": "<eos>", "pad_token": "<pad>", "unk_token": "<unk>", "mask_token": "<mask>",
    "padding_side": "right", "model_max_length": CONTEXT, "model_input_names": ["input_ids"],
    "added_tokens_decoder": {str(i): {"content": p, "lstrip": False, "normalized": False, "rstrip": False,
                                      "single_word": False, "special": True}
                             for i, p in enumerate(["<pad>", "<eos>", "<bos>", "<unk>", "<mask>"])},
}


def gemma_corpus():
    """The caption corpus, some lines capitalised, and lines with the punctuation, spacing and digits Gemma keeps."""
    lines = corpus()
    lines += [ln[:1].upper() + ln[1:] for ln in lines[::4]]
    lines += ["Hello, World! How are you? It's (really) fine: 3.14 + 2 = 5.14; a/b - [ok] {x} \"quoted\".",
              "Two DOGS, playing in the snow!", "A red car with 42 wheels.", "  indented  text   with  runs  of  spaces",
              "The Quick Brown Fox Jumps Over The Lazy Dog."] * 3
    return lines


# SigLIP's cases (case, punctuation, whitespace, non-ASCII, digits, a truncated text...) with Gemma's special
# pieces in place of SigLIP's, and two more.
GEMMA_CASES = CASES[:22] + [
    "a photo <eos> of a cat",
    "<eos>",
    "<pad> x <bos> y <unk> z <mask>",
    "a<eos>b<pad>c",
    "<EOS> </s> <s> <eos",
] + CASES[28:] + [
    "nul\x00byte and \x7f delete",
    "ΟΔΟΣ ΣΟΦΟΣ final sigma",
]


def train_gemma_spm():
    train(GEMMA_DIR / "tokenizer.model", GEMMA_SEED, gemma_corpus(), GEMMA_TRAINER)
    (GEMMA_DIR / "tokenizer_config.json").write_text(json.dumps(GEMMA_TOKENIZER_CONFIG, indent=2) + "\n")


def gemma_goldens(facts):
    """ids from AutoTokenizer and open_clip's HFTokenizer on the folder (tokenizer.model + tokenizer_config.json,
    as an HF SigLIP 2 folder with config.json model_type "siglip"), checked against the same folder with the
    tokenizer.json that save_pretrained writes, and against the sentencepiece package itself."""
    import sentencepiece as spm
    from transformers import AutoTokenizer, SiglipConfig
    from transformers.models.siglip2.tokenization_siglip2 import Siglip2Tokenizer
    from open_clip.tokenizer import HFTokenizer
    sp = spm.SentencePieceProcessor(model_file=str(GEMMA_DIR / "tokenizer.model"))
    specials = {"<pad>": 0, "<eos>": 1, "<bos>": 2, "<unk>": 3, "<mask>": 4}

    def spm_row(text, lower=False):
        """sentencepiece on the text between literal special pieces, then EOS, truncation, padding with <pad>."""
        import re
        ids = []
        for part in re.split("(" + "|".join(map(re.escape, specials)) + ")", text):
            if part in specials:
                ids.append(specials[part])
            elif part:
                # the tokenizers Lowercase normalizer maps each character alone (no final-sigma rule)
                ids += sp.encode("".join(c.lower() for c in part) if lower else part)
        return (ids[:CONTEXT - 1] + [1] + [0] * CONTEXT)[:CONTEXT]

    with tempfile.TemporaryDirectory() as td:
        folder, with_json = pathlib.Path(td) / "siglip2", pathlib.Path(td) / "siglip2_json"
        folder.mkdir()
        for name in ["tokenizer.model", "tokenizer_config.json"]:
            shutil.copyfile(GEMMA_DIR / name, folder / name)
        cfg = SiglipConfig(text_config=dict(vocab_size=sp.get_piece_size(), pad_token_id=0, eos_token_id=1))
        cfg.save_pretrained(str(folder))
        tok = AutoTokenizer.from_pretrained(str(folder))
        tok.save_pretrained(str(with_json))
        cfg.save_pretrained(str(with_json))
        tok_json = AutoTokenizer.from_pretrained(str(with_json))
        oc = HFTokenizer(str(folder), context_length=CONTEXT, clean="canonicalize")
        s2 = Siglip2Tokenizer.from_pretrained(str(folder))
        facts["gemma_classes"] = [type(tok).__name__, type(tok_json).__name__, type(oc.tokenizer).__name__, type(s2).__name__]
        facts["gemma_flags"] = dict(add_bos=tok.add_bos_token, add_eos=tok.add_eos_token, padding_side=tok.padding_side,
                                    pad=tok.pad_token_id, eos=tok.eos_token_id, bos=tok.bos_token_id, unk=tok.unk_token_id,
                                    json_files=sorted(p.name for p in with_json.iterdir()))
        cases, spm_differ = [], []
        for text in GEMMA_CASES:
            kw = dict(padding="max_length", max_length=CONTEXT, truncation=True)
            hf = tok(text, **kw)["input_ids"]
            assert tok_json(text, **kw)["input_ids"] == hf, text
            o = oc(text)[0].tolist()
            low = s2(text, **kw)["input_ids"]
            assert len(hf) == CONTEXT and len(o) == CONTEXT and len(low) == CONTEXT, text
            if spm_row(text) != hf:
                spm_differ.append(text)
            assert spm_row(text, lower=True) == low or text in spm_differ, text
            cases.append({"text": text, "hf": hf, "open_clip": o, "hf_siglip2": low,
                          "hf_pieces": tok.convert_ids_to_tokens(hf[:len(hf) - hf[::-1].index(1)] if 1 in hf else hf)})
    facts["gemma_spm_differ"] = spm_differ
    facts["gemma_n_cases"] = len(cases)
    doc = {"context_length": CONTEXT, "_command": COMMAND + " gemma",
           "_note": "hf: AutoTokenizer.from_pretrained(<folder with tokenizer.model, tokenizer_config.json and a "
                    "SiglipConfig config.json>) (GemmaTokenizer)(text, padding='max_length', max_length=64, "
                    "truncation=True)['input_ids']; open_clip: open_clip.tokenizer.HFTokenizer(<that folder>, "
                    "context_length=64, clean='canonicalize')(text); hf_siglip2: Siglip2Tokenizer.from_pretrained("
                    "<that folder>) (GemmaTokenizer + lowercasing) with the same arguments; hf_pieces: the pieces of "
                    "the hf ids without padding",
           "cases": cases}
    write_ids(GEMMA_DIR / "ids.json", doc)
    return cases


# ---------------------------------------------------------------------------------------------------------
# 2. transformers SiglipModel

def perturb(model, seed):
    """0.05 x randn on every parameter (seeded), so no two tensors are equal and no mapping bug hides."""
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for _, p in sorted(model.named_parameters()):
            p.add_(torch.randn(p.shape, generator=g, dtype=p.dtype) * 0.05)


def save_tokenizer(dst, spm_path):  # noqa: D103
    from transformers import SiglipTokenizer
    tok = SiglipTokenizer(vocab_file=str(spm_path))
    tok.save_pretrained(str(dst))
    return tok


def hf_part(spm_path, facts):
    from transformers import SiglipConfig, SiglipModel, SiglipImageProcessor
    from PIL import Image
    HF_DIR.mkdir(parents=True, exist_ok=True)
    vocab = facts["vocab"]
    cfg = SiglipConfig(
        text_config=dict(vocab_size=vocab, hidden_size=32, intermediate_size=64, num_hidden_layers=2,
                         num_attention_heads=4, max_position_embeddings=CONTEXT, projection_size=32,
                         pad_token_id=1, eos_token_id=1, bos_token_id=None, layer_norm_eps=1e-6,
                         hidden_act="gelu_pytorch_tanh"),
        vision_config=dict(image_size=32, patch_size=8, hidden_size=32, intermediate_size=64, num_hidden_layers=2,
                           num_attention_heads=4, layer_norm_eps=1e-6, hidden_act="gelu_pytorch_tanh",
                           vision_use_head=True))
    torch.manual_seed(HF_SEED)
    model = SiglipModel(cfg).eval()
    with torch.no_grad():
        model.logit_scale.fill_(math.log(10.0))
        model.logit_bias.fill_(-10.0)
    perturb(model, HF_SEED + 1)
    model.save_pretrained(str(HF_DIR))
    tok = save_tokenizer(HF_DIR, spm_path)
    proc = SiglipImageProcessor(size={"height": 32, "width": 32})
    proc.save_pretrained(str(HF_DIR))
    shutil.copyfile(PHOTO_SRC, HF_DIR / "photo_97x61.png")

    # Reload from disk so the goldens belong to the committed files.
    model = SiglipModel.from_pretrained(str(HF_DIR)).eval().double()
    g = torch.Generator().manual_seed(HF_SEED + 2)
    pixels = torch.randn(2, 3, 32, 32, generator=g)
    ids = torch.tensor(tok(MODEL_TEXTS, padding="max_length", max_length=CONTEXT, truncation=True)["input_ids"],
                       dtype=torch.long)
    img = Image.open(HF_DIR / "photo_97x61.png").convert("RGB")
    proc2 = SiglipImageProcessor.from_pretrained(str(HF_DIR))
    photo = proc2(images=img, return_tensors="pt")["pixel_values"]
    try:
        from transformers import SiglipImageProcessorPil
        photo_pil = SiglipImageProcessorPil.from_pretrained(str(HF_DIR))(images=img, return_tensors="pt")["pixel_values"]
    except Exception as e:  # noqa: BLE001
        photo_pil = None
        print("PIL backend unavailable:", e)
    with torch.no_grad():
        vo = model.vision_model(pixel_values=pixels.double(), output_hidden_states=True)
        to = model.text_model(input_ids=ids, output_hidden_states=True)
        gi = model.get_image_features(pixel_values=pixels.double())
        gt = model.get_text_features(input_ids=ids)
        gi = gi.pooler_output if hasattr(gi, "pooler_output") else gi
        gt = gt.pooler_output if hasattr(gt, "pooler_output") else gt
        out = model(input_ids=ids, pixel_values=pixels.double())
        ph = model.get_image_features(pixel_values=photo.double())
        ph = ph.pooler_output if hasattr(ph, "pooler_output") else ph
    assert torch.allclose(gi, vo.pooler_output) and torch.allclose(gt, to.pooler_output)
    assert len(vo.hidden_states) == 3 and len(to.hidden_states) == 3
    f = lambda t: t.detach().float().numpy()
    gold = {"pixel_values": pixels.numpy(), "image_embeds": f(gi), "input_ids": ids.numpy(),
            "text_embeds": f(gt), "logits_per_image": f(out.logits_per_image),
            "vision_embed_out": f(vo.hidden_states[0]),
            "vision_hidden_0": f(vo.hidden_states[1]), "vision_hidden_1": f(vo.hidden_states[2]),
            "vision_post_ln": f(vo.last_hidden_state),
            "text_hidden_0": f(to.hidden_states[1]), "text_hidden_1": f(to.hidden_states[2]),
            "text_final_ln": f(to.last_hidden_state),
            "photo_pixels": photo.float().numpy(), "photo_image_embeds": f(ph)}
    if photo_pil is not None:
        gold["photo_pixels_pil"] = photo_pil.float().numpy()
    # Manual check of the logits formula from the stored embeddings.
    ie = gi / gi.norm(dim=-1, keepdim=True)
    te = gt / gt.norm(dim=-1, keepdim=True)
    manual = ie @ te.T * model.logit_scale.exp() + model.logit_bias
    facts["hf_logit_check"] = float((manual - out.logits_per_image).abs().max())
    np.savez(HF_DIR / "golden.npz", **{k: np.ascontiguousarray(v) for k, v in gold.items()})
    (HF_DIR / "golden_texts.json").write_text(json.dumps({"texts": MODEL_TEXTS}, indent=1) + "\n")
    facts["hf_logit_scale"] = float(model.logit_scale)
    facts["hf_logit_bias"] = float(model.logit_bias)
    facts["hf_params"] = [(k, tuple(v.shape)) for k, v in model.state_dict().items()]
    facts["hf_photo_shape"] = tuple(photo.shape)
    facts["hf_photo_pil_diff"] = None if photo_pil is None else float((photo_pil - photo).abs().max())
    facts["hf_proc_class"] = type(proc2).__name__
    facts["hf_proc_cfg"] = json.loads((HF_DIR / "preprocessor_config.json").read_text())
    facts["hf_tok_files"] = sorted(p.name for p in HF_DIR.iterdir() if "token" in p.name or p.name == "spiece.model")
    return model


def odd_part(facts):
    """siglip_hf_odd/: So400m's awkward shapes at toy size. Width 48 (not a multiple of 32) with 2 heads of 24
    channels (not a multiple of 16: the AVX-512 attention tiles need one; 24 = 16 + 8 like So400m's 72 = 4 x 16 + 8),
    MLP 88 (not a multiple of 16, like 4304), image 30 at patch 8 (a 3 x 3 grid and 6 pixel rows and columns the patch
    convolution never reads, like 384 at patch 14). One layer per tower keeps the files small; no tokenizer files (the
    test feeds token ids)."""
    from transformers import SiglipConfig, SiglipModel
    ODD_DIR.mkdir(parents=True, exist_ok=True)
    shape = dict(hidden_size=48, intermediate_size=88, num_hidden_layers=1, num_attention_heads=2,
                 layer_norm_eps=1e-6, hidden_act="gelu_pytorch_tanh")
    cfg = SiglipConfig(
        text_config=dict(vocab_size=facts["vocab"], max_position_embeddings=CONTEXT, projection_size=48,
                         pad_token_id=1, eos_token_id=1, bos_token_id=None, **shape),
        vision_config=dict(image_size=30, patch_size=8, vision_use_head=True, **shape))
    torch.manual_seed(ODD_SEED)
    model = SiglipModel(cfg).eval()
    perturb(model, ODD_SEED + 1)
    model.save_pretrained(str(ODD_DIR))
    model = SiglipModel.from_pretrained(str(ODD_DIR)).eval().double()
    g = torch.Generator().manual_seed(ODD_SEED + 2)
    pixels = torch.randn(2, 3, 30, 30, generator=g)
    ids = torch.randint(3, facts["vocab"], (3, CONTEXT), generator=g)
    ids[:, 9:] = 1  # </s> then padding (also </s>), as SiglipTokenizer pads
    with torch.no_grad():
        gi = model.get_image_features(pixel_values=pixels.double()).pooler_output
        gt = model.get_text_features(input_ids=ids).pooler_output
    f = lambda t: np.ascontiguousarray(t.detach().float().numpy())
    np.savez(ODD_DIR / "golden.npz", pixel_values=f(pixels), image_embeds=f(gi), input_ids=ids.numpy(),
             text_embeds=f(gt))
    (ODD_DIR / "README.md").write_text(f"""# siglip_hf_odd

Written by `{COMMAND} odd` ({versions()}). A transformers `SiglipModel` with So400m/14-384's awkward
shapes at toy size: both towers width 48 (not a multiple of 32), 2 heads of 24 channels (not a multiple of 16),
MLP 88 (not a multiple of 16), 1 layer, `gelu_pytorch_tanh`, `layer_norm_eps` 1e-6; vision image 30 at patch 8 (a
3 x 3 grid; the last 6 pixel rows and columns are never read, as 384 at patch 14 leaves 6); text vocab
{facts['vocab']} (no tokenizer files: the goldens hold token ids), 64 positions, `projection_size` 48, pad = eos = 1.
Seeded init (`torch.manual_seed({ODD_SEED})`) plus 0.05 x randn on every parameter.

- `config.json`, `model.safetensors`: `save_pretrained`, float32.
- `golden.npz` (float32 but `input_ids`; torch float64 on the reloaded model): `pixel_values` [2,3,30,30] (seeded
  randn), `image_embeds` [2,48] = `get_image_features(pixel_values).pooler_output`, `input_ids` int64 [3,64] (seeded
  random ids in 3..{facts['vocab'] - 1}, then 1 from position 9 on), `text_embeds` [3,48] =
  `get_text_features(input_ids).pooler_output`.
""")
    print("odd:", sorted((p.name, p.stat().st_size) for p in ODD_DIR.iterdir()))


# ---------------------------------------------------------------------------------------------------------
# READMEs

def versions():
    import open_clip, sentencepiece, timm, transformers
    return (f"torch {torch.__version__.split('+')[0]}, transformers {transformers.__version__}, open_clip_torch "
            f"{open_clip.__version__}, timm {timm.__version__}, sentencepiece {sentencepiece.__version__}, numpy {np.__version__}")


def show(text):
    return json.dumps(text, ensure_ascii=False)


def text_readme(facts):
    sp = facts
    differ = "\n".join(f"  - {show(t)}" for t in facts.get("tok_differ", []))
    trainer = ", ".join(f"{k}={v!r}" for k, v in SPM_TRAINER.items() if k != "minloglevel")
    specials = ", ".join(f"`{p}` = {i} ({t})" for i, p, t in sp["specials"][:3])
    return f"""# SigLIP tokenizer goldens

Generated, never edited by hand. From the repository root:

    python Tools/make_siglip_fixtures.py spm     # this folder only
    python Tools/make_siglip_fixtures.py         # also the SigLIP model folders in Tests/ClipzImportTests/Fixtures

Versions: {versions()}. Seeds are fixed; rerunning gives byte-identical files.

## Files

- `spiece.model`: a unigram SentencePiece model, {sp['vocab']} pieces, trained by
  `sentencepiece.SentencePieceTrainer.train` on {len(corpus())} deterministic lowercase English lines built in
  the script (caption templates over nouns/adjectives/verbs, word lists, sentences with digits, "café", "naïve"),
  `spm.set_random_generator_seed({SPM_SEED})`, trainer options: {trainer}.
  The same bytes are committed as `Tests/ClipzImportTests/Fixtures/siglip_hf/spiece.model` and
  `siglip_openclip/spiece.model` (git stores one blob).
- `ids.json`: `{{"context_length": {CONTEXT}, "cases": [{{"text", "hf", "open_clip", "hf_pieces"}}]}}`, {facts.get('n_cases')} cases.
  - `hf` = `SiglipTokenizer(vocab_file="spiece.model")(text, padding="max_length", max_length={CONTEXT}, truncation=True)["input_ids"]`
    (transformers' slow SentencePiece tokenizer; transformers 5 has no fast SigLIP tokenizer, and
    `AutoTokenizer.from_pretrained` on the saved folder also gives `SiglipTokenizer`, with identical ids on every case).
  - `open_clip` = `open_clip.tokenizer.HFTokenizer(<dir holding SiglipTokenizer(...).save_pretrained()>, context_length={CONTEXT},
    clean="canonicalize")(text)[0]`, the pipeline open_clip's SigLIP configs select
    (`"tokenizer_kwargs": {{"clean": "canonicalize"}}`); it wraps `{facts.get('oc_tok_class')}`.
  - `hf_pieces` = `tokenizer.tokenize(text)` (pieces before ids, no EOS, no padding), for debugging only.

## The SentencePiece model

- Special ids (Google's SigLIP `spiece.model` layout): {specials}; no BOS (`bos_id` = -1). Ordinary
  pieces start at 3. SigLIP itself pads with `</s>` (transformers' `SiglipTokenizer` has `pad_token="</s>"`), so
  id 0 `<pad>` never occurs in the goldens: EOS and padding are both 1.
- Normalizer spec: name `{sp['normalizer']}` (the NFKC-based default rule, stored as a precompiled
  charsmap of {sp['precompiled_charsmap_bytes']} bytes, which is most of the file), `add_dummy_prefix` {sp['add_dummy_prefix']},
  `remove_extra_whitespaces` {sp['remove_extra_whitespaces']}, `escape_whitespaces` {sp['escape_whitespaces']}.
  `byte_fallback` False, `split_digits` False, `character_coverage` 1.0 (every character of the corpus is a piece;
  anything else, e.g. `ß`, Greek, CJK, emoji, `<`, `>`, `.`, is `<unk>`).
- The lone piece `▁` exists (id {sp['id_of_lone_underscore']}); it shows up before words that have no `▁word` piece.

## What transformers' SiglipTokenizer does (5.24), step by step

1. `tokenize`: `text = "▁" + text.replace("▁", " ")`.
2. Split on the added special tokens `</s>` and `<unk>` (exact, case-sensitive). Made with the constructor they
   are `AddedToken(lstrip=True, rstrip=True)` (whitespace next to them is dropped); the saved
   `tokenizer_config.json` says lstrip/rstrip false, which gives the same ids on every case here because the
   next step strips anyway. `<pad>` and `<s>` are NOT special for this tokenizer: they are text.
3. Each non-special chunk goes through `canonicalize_text`: Python `str.lower()` (so `İ` becomes `i` + U+0307),
   delete every ASCII punctuation character (`string.punctuation`, 32 chars, including `_`),
   `re.sub(r"\\s+", " ")` (Unicode whitespace incl. NBSP and U+3000, not U+200B), `strip()`. `▁` is not
   whitespace and survives this step.
4. SentencePiece encode of `"<unk>" + chunk` (pieces as strings), then drop the first
   `len(encode("<unk>"))` pieces (= 5 here: `▁ < u nk >`). Because `<` and `>` are not pieces of this
   vocabulary, this equals encoding the chunk with no dummy prefix: the first chunk starts with `▁` from
   step 1 and so begins a word; a chunk after `</s>`/`<unk>` does NOT (`"a photo </s> of a cat"` gives
   `… </s> o f ▁a ▁cat`). The model's own normalizer (NFKC charsmap, whitespace folding) runs inside encode,
   i.e. AFTER the ASCII punctuation removal: `…` becomes `...` there and comes out as `<unk>` pieces, full-width
   `ＡＢＣ` becomes `abc`, `ﬁ` becomes `fi`.
5. If the first piece is `▁` and the second a special token, the `▁` is dropped.
6. Pieces to ids (`piece_to_id`; an unknown piece string gives 2). Consecutive unknown characters form ONE
   `<unk>` piece (SentencePiece merges runs of unknown characters).
7. Truncate to {CONTEXT - 1} ids, append EOS 1 unless the last id already is 1 (`"</s>"` alone gives a single 1),
   pad with 1 to {CONTEXT}.

## open_clip (`clean="canonicalize"`)

Before the HF tokenizer above, open_clip runs `basic_clean` (`ftfy.fix_text`, `html.unescape` twice,
`strip`) and its own `canonicalize_text` (`_` to space, delete ASCII punctuation, lowercase,
`" ".join(text.split())`). So `</s>`/`<unk>` lose their brackets before the HF tokenizer sees them
(no special tokens can come from text), `_` separates words instead of vanishing, HTML entities are
decoded (`&amp;` disappears as `&`), and ftfy turns curly quotes into ASCII quotes (then deleted).
Cases whose `hf` and `open_clip` rows differ:
{differ}
"""


def gemma_readme(facts):
    trainer = ", ".join(f"{k}={v!r}" for k, v in GEMMA_TRAINER.items() if k != "minloglevel")
    fl = facts["gemma_flags"]
    return f"""# SigLIP 2 (Gemma) tokenizer goldens

Generated, never edited by hand. From the repository root:

    python Tools/make_siglip_fixtures.py gemma

Versions: {versions()}. Seeds are fixed; rerunning gives byte-identical files.

## Files

- `tokenizer.model`: a BPE SentencePiece model with Gemma's options, {GEMMA_VOCAB} pieces (`<pad>` 0, `<eos>` 1,
  `<bos>` 2, `<unk>` 3, the user-defined `<mask>` 4, the 256 byte pieces `<0x00>`..`<0xFF>` at 5-260, then
  characters and merges), trained on {len(gemma_corpus())} lines (the SigLIP caption corpus, some capitalised, a
  few lines with punctuation and space runs), `spm.set_random_generator_seed({GEMMA_SEED})`, trainer options: {trainer}.
  Characters the vocabulary lacks (several capitals, `#`, `$`, non-ASCII) come out as byte pieces.
- `tokenizer_config.json`: the keys of SigLIP 2's (google/siglip2-*, written by transformers'
  `convert_siglip2_to_hf.py`, which loads google/gemma-7b's tokenizer with `add_bos_token=False,
  add_eos_token=True, padding_side="right"`): `tokenizer_class` GemmaTokenizer, `model_max_length` {CONTEXT}.
- `ids.json`: `{{"context_length": {CONTEXT}, "cases": [{{"text", "hf", "open_clip", "hf_siglip2", "hf_pieces"}}]}}`,
  {facts['gemma_n_cases']} cases; how each row is made is in its `_note`. The folder the script tokenizes from holds
  these two files and a `SiglipConfig` config.json (`model_type` "siglip", as the fixed-resolution SigLIP 2
  checkpoints have): `AutoTokenizer` gives `{facts['gemma_classes'][0]}`; open_clip's `HFTokenizer` wraps
  `{facts['gemma_classes'][2]}`. The same folder with the `tokenizer.json` that `save_pretrained` writes gives
  identical ids on every case.

## What transformers 5.24 does (GemmaTokenizer, tokenizers backend)

- Text is not cleaned or lower-cased (`GemmaTokenizer` has no lowercasing; `do_lower_case` is not read).
  `Siglip2Tokenizer` (picked by `AutoTokenizer` only for `model_type` "siglip2", the NaFlex checkpoints, or when
  `tokenizer_class` names it) is GemmaTokenizer with a `Lowercase` normalizer in front: per character
  (`char::to_lowercase`, so `Σ` is always `σ`, unlike Python's `str.lower`), after the special pieces are split out.
- The added tokens `<pad>` `<eos>` `<bos>` `<unk>` `<mask>` (special, not normalized, no lstrip/rstrip) are split
  out of the raw text first, whitespace around them kept: `"a photo <eos> of"` is `a ▁photo ▁ <eos> ▁of`.
- The rest: normalizer `Replace(" ", "▁")` (only U+0020; tabs, newlines, NBSP stay), pre-tokenizer
  `Split(" ", merged_with_previous)` (a no-op after the normalizer), BPE with byte fallback. No dummy prefix: a text
  starting with a word has no `▁` before it.
- Post-processor from the flags: `add_bos_token` {fl['add_bos']}, `add_eos_token` {fl['add_eos']} (the backend's
  defaults are False/False when tokenizer_config.json does not say, whatever GemmaTokenizer's docstring claims): one
  `<eos>` (id {fl['eos']}) after the text, no `<bos>`.
- `truncation=True, max_length={CONTEXT}`: the text is cut to {CONTEXT - 1} ids (room kept for the EOS the
  post-processor adds), then `<eos>`; padding with `<pad>` (id {fl['pad']}) on the `padding_side` of
  tokenizer_config.json ({fl['padding_side']}; GemmaTokenizer's class default is "left").
- The ids equal the `sentencepiece` package's `encode` of each chunk between special pieces, on every case
  (cases where they differ: {facts['gemma_spm_differ'] or 'none'}).

## open_clip (`clean="canonicalize"`, the SigLIP 2 configs)

`HFTokenizer` runs `basic_clean` and open_clip's `canonicalize_text` (lower-case, drop ASCII punctuation, `_` to
space, collapse whitespace) and then the GemmaTokenizer above: special literals lose their brackets, so none comes
from text.
"""


def write_text_readme(facts):
    (TEXT_DIR / "README.md").write_text(text_readme(facts), encoding="utf-8")


def hf_section(facts):
    proc = facts["hf_proc_cfg"]
    return f"""### `siglip_hf/` (transformers `SiglipModel`)

- Config: vision 32px, patch 8 (16 patches, no class token), width 32, 2 layers, 4 heads, mlp 64,
  `vision_use_head` true (attention-pooling head); text vocab {facts['vocab']}, 64 positions, width 32, 2 layers,
  4 heads, mlp 64, `projection_size` 32, `pad_token_id` = `eos_token_id` = 1, `bos_token_id` null. Both towers
  `hidden_act` `gelu_pytorch_tanh` (GELU, tanh approximation), `layer_norm_eps` 1e-6 (also the head's LayerNorm).
  Seeded init (`torch.manual_seed({HF_SEED})`), `logit_scale` set to log(10) and `logit_bias` to -10, then
  0.05 x randn added to EVERY parameter: stored `logit_scale` = {facts['hf_logit_scale']:.6f},
  `logit_bias` = {facts['hf_logit_bias']:.6f} (both shape [1]).
- Files: `config.json` + `model.safetensors` (`save_pretrained`, float32, {len(facts['hf_params'])} tensors, HF names),
  `spiece.model` + `tokenizer_config.json` (`SiglipTokenizer(...).save_pretrained`; transformers 5 writes no
  `special_tokens_map.json`), `preprocessor_config.json` (`SiglipImageProcessor(size={{"height": 32, "width": 32}})`:
  resample {proc['resample']} (bicubic), rescale 1/255, mean = std = 0.5, `do_convert_rgb`; plain resize to 32x32,
  no crop, aspect ratio not kept), `photo_97x61.png` (a copy of `Tests/ClipzImageTests/Fixtures/rgb_97x61.png`),
  `golden_texts.json` (the 3 texts), `golden.npz`.
- `golden.npz` (float32 unless noted; torch float64 on the reloaded model, `model.double()`):
  `pixel_values` [2,3,32,32] (seeded randn); `image_embeds` [2,32] = `get_image_features(pixel_values).pooler_output`
  (in transformers 5.24 `get_image_features` returns a `BaseModelOutputWithPooling`; its pooler output is the
  attention-pooling head's output, no extra projection, NOT normalized); `input_ids` int64 [3,64] =
  tokenizer(texts, padding="max_length", max_length=64); `text_embeds` [3,32] = `get_text_features(input_ids)
  .pooler_output` (no attention_mask: padding included; pooled token = LAST position 63, then `text_model.head`
  Linear 32->32 with bias); `logits_per_image` [2,3] = exp(logit_scale) x cos + logit_bias (before sigmoid;
  recomputed from the embeddings: max diff {facts['hf_logit_check']:.2e});
  `vision_embed_out` [2,16,32] (patch conv + position embedding; SigLIP has no pre-LayerNorm), `vision_hidden_0/1`
  [2,16,32] (output of encoder layer i, before `post_layernorm`), `vision_post_ln` [2,16,32] (the vision
  `last_hidden_state`, input of the head); `text_hidden_0/1` [3,64,32],
  `text_final_ln` [3,64,32] (after `final_layer_norm`, before taking position 63 and `head`);
  `photo_pixels` [1,3,32,32] = `SiglipImageProcessor.from_pretrained(siglip_hf)(photo)` (the default
  torchvision backend), `photo_pixels_pil` = the same through `SiglipImageProcessorPil` (max diff
  {facts['hf_photo_pil_diff']:.4f}, about one 8-bit level after normalization, 2/255), `photo_image_embeds` [1,32]
  from `photo_pixels`.
- Vision head (`vision_model.head`, `SiglipMultiheadAttentionPoolingHead`): `probe` [1,1,32] is the single query;
  `attention` is `torch.nn.MultiheadAttention` (`in_proj_weight` [96,32] = q;k;v stacked, `in_proj_bias` [96],
  `out_proj.weight/bias`), then `x = a + mlp(layernorm(a))` and row 0.
"""


def oc_section(facts):
    table = "\n".join(f"| `{k}` | {list(shape)} | `{hf}` |".replace(" / ", "` / `").replace(" (rows", "` (rows").replace(")`", ")")
                      for k, shape, hf in facts["oc_table"])
    table = table.replace("`` (rows", "` (rows")
    d = facts["oc_vs_hf_exact_gelu"]
    return f"""### `siglip_openclip/` (open_clip `CustomTextCLIP`, timm trunk)

- `open_clip_config.json`: the hub layout (`{{"model_cfg": ..., "preprocess_cfg": ...}}`, as in timm/ViT-B-16-SigLIP):
  `model_cfg` is open_clip's `ViT-B-16-SigLIP.json` shrunk (embed_dim 32, vision image_size 32 with
  `timm_model_name` `vit_base_patch16_siglip_224`, `timm_pool` `map`, `timm_proj` `none`; text context 64, vocab
  {facts['vocab']}, width 32, 4 heads, 2 layers, `mlp_ratio` 2.0, `no_causal_mask`, `proj_bias`, `pool_type` `last`,
  `norm_kwargs.eps` 1e-6, no `act_kwargs`, `hf_tokenizer_name` `timm/ViT-B-16-SigLIP`, `tokenizer_kwargs.clean`
  `canonicalize`); `preprocess_cfg` {show(OC_PREPROCESS)} (open_clip's `_slpcfg` SigLIP defaults).
- The trunk: open_clip's `TimmModel` passes no architecture kwargs to `timm.create_model` (only drop_path /
  patch_drop), so a config cannot make a tiny timm ViT. The script builds the `CustomTextCLIP` from `model_cfg`,
  then REPLACES `model.visual.trunk` with `timm.create_model("vit_base_patch16_siglip_224", num_classes=0,
  global_pool="map", {", ".join(f"{k}={v}" for k, v in OC_TIMM_KWARGS.items())})` (what TimmModel would call for
  `map`/`none`, plus the overrides). The overrides are recorded in the config's extra top-level key
  `timm_model_kwargs` (open_clip reads only `model_cfg` and `preprocess_cfg`; Clipz reads this key for trunks
  built with non-default sizes, see Sources/ClipzImport/Dumps/OpenCLIPConfig+SigLIP.swift). Consequently
  `open_clip.create_model("local-dir:siglip_openclip")` does NOT load this folder (it builds a ViT-B/16 trunk:
  `{facts['oc_local_dir_load']}`); real hub configs get the trunk's sizes from its timm name, this one from
  `timm_model_kwargs` (heads = 4 are not visible in any shape).
- Activations: timm's ViT blocks and its MAP head use exact GELU ({facts['oc_vision_act']}); the SigLIP v1 text
  config has no `act_kwargs`, so the text tower uses `nn.GELU()` exact too ({facts['oc_text_act']}). (open_clip's
  SigLIP2 configs set `act_kwargs: {{"approximate": "tanh"}}`; transformers' SigLIP uses `gelu_pytorch_tanh` in both
  towers.) LayerNorm eps 1e-6 everywhere. Text: no causal mask, no attention mask, pooled = position 63 (`last`)
  after `ln_final`, then `text_projection` (Linear with bias, [out,in]). Vision: no class token, no pre-norm,
  `norm` then the MAP head (`attn_pool`), no projection (`timm_proj` none).
- `open_clip_model.safetensors`: `model.state_dict()` after seeding (`torch.manual_seed({OC_SEED})`, open_clip's init:
  logit_scale log(1/0.07), logit_bias -10) and 0.05 x randn on every parameter: {len(facts['oc_params'])} tensors, float32;
  `logit_scale` = {facts['oc_logit_scale']:.6f}, `logit_bias` = {facts['oc_logit_bias']:.6f} (0-d tensors, shape []; transformers stores shape [1]).
  Tokenizer files as in `siglip_hf/` (`spiece.model`, `tokenizer_config.json`); `open_clip.get_tokenizer("local-dir:<folder>")`
  uses them ({facts['oc_tokenizer']}; for `local-dir:` open_clip always loads the folder itself, whatever
  `hf_tokenizer_name` says).
- `golden.npz` (float32 from torch float64): `pixel_values` [2,3,32,32] (seeded randn), `image_embeds` [2,32] =
  `encode_image(normalize=False)`, `input_ids` int64 [3,64] = `get_tokenizer("local-dir:...")(texts)` (identical to
  `siglip_hf`'s: {facts['oc_ids_equal_hf_golden']}), `text_embeds` [3,32] = `encode_text(normalize=False)`,
  `logits` [2,3] = exp(logit_scale) x cos + logit_bias (image rows, text columns; equals what `forward`'s outputs give,
  max diff {facts['oc_forward_logit_check']:.1e}).
- Name table check: the state dict renamed by the table below (`oc_to_hf` in the script) loads into a transformers
  `SiglipModel` with `hidden_act="gelu"` (exact) with missing {facts['oc_table_missing']} / unexpected
  {facts['oc_table_unexpected']}, and reproduces the open_clip goldens: max diff image {d[0]:.1e}, text {d[1]:.1e},
  logits {d[2]:.1e}. With HF's default `gelu_pytorch_tanh` instead, image embeddings differ by
  {facts['oc_vs_hf_tanh_gelu_image']:.1e}: the activation is part of the format.

open_clip/timm name -> transformers name (layer/block 0 shown; every index maps the same way; W = width 32):

| open_clip / timm | shape | transformers `SiglipModel` |
|---|---|---|
{table}
"""


def write_import_readme(facts):
    path = REPO / "Tests/ClipzImportTests/Fixtures/README.md"
    begin, end = "<!-- siglip:begin (Tools/make_siglip_fixtures.py) -->", "<!-- siglip:end -->"
    body = [begin, "## SigLIP (Tools/make_siglip_fixtures.py)", "",
            f"Generated by `{COMMAND}` ({versions()}); the tokenizer is described in",
            "`Tests/ClipzTextTests/Fixtures/siglip/README.md`. Texts of the model goldens: " + show(MODEL_TEXTS) + ".", ""]
    if "hf_params" in facts:
        body.append(hf_section(facts))
    if "oc_section" in facts:
        body.append(facts["oc_section"])
    if "onnx_section" in facts:
        body.append(facts["onnx_section"])
    rows = sizes([TEXT_DIR, HF_DIR, OC_DIR])
    body += ["### Files and sizes (bytes on disk)", "", "| file | bytes |", "|---|---:|"]
    body += [f"| `{n}` | {b} |" for n, b in rows] + [f"| **total** | {sum(b for _, b in rows)} |", ""]
    body += ["The three `spiece.model` files are the same bytes (one git blob); most of each is the nmt_nfkc charsmap.",
             "", end]
    text = path.read_text(encoding="utf-8")
    if begin in text:
        text = text[:text.index(begin)] + "\n".join(body) + text[text.index(end) + len(end):]
    else:
        text = text.rstrip("\n") + "\n\n" + "\n".join(body) + "\n"
    path.write_text(text, encoding="utf-8")


# ---------------------------------------------------------------------------------------------------------
# main

def sizes(dirs):
    rows = []
    for d in dirs:
        for p in sorted(d.rglob("*")):
            if p.is_file():
                rows.append((str(p.relative_to(REPO)), p.stat().st_size))
    return rows


def main(parts):
    facts = {}
    spm_path = TEXT_DIR / "spiece.model"
    if "spm" in parts:
        spm_path = train_spm()
        cases, oc_class = tokenizer_goldens(spm_path)
        facts["oc_tok_class"] = oc_class
        differ = [c["text"] for c in cases if c["hf"] != c["open_clip"]]
        facts["tok_differ"] = differ
        facts["n_cases"] = len(cases)
    if "gemma" in parts:
        train_gemma_spm()
        gemma_goldens(facts)
        (GEMMA_DIR / "README.md").write_text(gemma_readme(facts), encoding="utf-8")
        if parts == ["gemma"]:
            return
    facts.update(spm_facts(spm_path))
    if "hf" in parts:
        hf_part(spm_path, facts)
    if "odd" in parts:
        odd_part(facts)
        if parts == ["odd"]:
            return
    if "openclip" in parts:
        openclip_part(spm_path, facts)
    if "onnx" in parts:
        onnx_part(facts)
    if "spm" in parts:
        write_text_readme(facts)
    if "hf" in parts or "openclip" in parts or "onnx" in parts:
        write_import_readme(facts)
    json.dump(facts, sys.stdout, indent=1, default=str, ensure_ascii=False)
    print()
    for name, n in sizes([TEXT_DIR, HF_DIR, OC_DIR]):
        print(f"| `{name}` | {n} |")
    print("total", sum(n for _, n in sizes([TEXT_DIR, HF_DIR, OC_DIR])))


OC_TIMM_KWARGS = dict(img_size=32, patch_size=8, embed_dim=32, depth=2, num_heads=4, mlp_ratio=2.0)
OC_MODEL_CFG = {
    "embed_dim": 32, "init_logit_bias": -10, "custom_text": True,
    "vision_cfg": {"image_size": 32, "timm_model_name": "vit_base_patch16_siglip_224", "timm_model_pretrained": False,
                   "timm_pool": "map", "timm_proj": "none"},
    "text_cfg": {"context_length": CONTEXT, "vocab_size": None, "hf_tokenizer_name": "timm/ViT-B-16-SigLIP",
                 "tokenizer_kwargs": {"clean": "canonicalize"}, "width": 32, "heads": 4, "layers": 2, "mlp_ratio": 2.0,
                 "no_causal_mask": True, "proj_bias": True, "pool_type": "last", "norm_kwargs": {"eps": 1e-6}}}
OC_PREPROCESS = {"mean": [0.5, 0.5, 0.5], "std": [0.5, 0.5, 0.5], "interpolation": "bicubic", "resize_mode": "squash"}


def oc_to_hf(sd, width):
    """open_clip/timm SigLIP state dict -> transformers SiglipModel names (the table in the README)."""
    out, W = {}, width
    V, T = "vision_model.", "text_model."
    for k, v in sd.items():
        if k.startswith("visual.trunk.blocks."):
            _, _, _, i, rest = k.split(".", 4)
            p = f"{V}encoder.layers.{i}."
            if rest.startswith("attn.qkv."):
                kind = rest.split(".")[-1]
                for j, n in enumerate("qkv"):
                    out[f"{p}self_attn.{n}_proj.{kind}"] = v[j * W:(j + 1) * W]
                continue
            rest = (rest.replace("norm1", "layer_norm1").replace("norm2", "layer_norm2")
                    .replace("attn.proj", "self_attn.out_proj"))
            out[p + rest] = v
        elif k.startswith("visual.trunk.attn_pool."):
            rest = k[len("visual.trunk.attn_pool."):]
            h = f"{V}head."
            if rest == "latent":
                out[h + "probe"] = v
            elif rest.startswith("q."):
                out.setdefault(("q", rest[2:]), v)
            elif rest.startswith("kv."):
                out.setdefault(("kv", rest[3:]), v)
            else:
                out[h + rest.replace("proj.", "attention.out_proj.").replace("norm.", "layernorm.")] = v
        elif k == "visual.trunk.pos_embed":
            out[f"{V}embeddings.position_embedding.weight"] = v[0]
        elif k.startswith("visual.trunk.patch_embed.proj."):
            out[f"{V}embeddings.patch_embedding." + k.split(".")[-1]] = v
        elif k.startswith("visual.trunk.norm."):
            out[f"{V}post_layernorm." + k.split(".")[-1]] = v
        elif k.startswith("text.transformer.resblocks."):
            _, _, _, i, rest = k.split(".", 4)
            p = f"{T}encoder.layers.{i}."
            if rest.startswith("attn.in_proj_"):
                kind = "weight" if rest.endswith("weight") else "bias"
                for j, n in enumerate("qkv"):
                    out[f"{p}self_attn.{n}_proj.{kind}"] = v[j * W:(j + 1) * W]
                continue
            rest = (rest.replace("ln_1", "layer_norm1").replace("ln_2", "layer_norm2").replace("mlp.c_fc", "mlp.fc1")
                    .replace("attn.out_proj", "self_attn.out_proj")
                    .replace("mlp.c_proj", "mlp.fc2"))
            out[p + rest] = v
        elif k == "text.token_embedding.weight":
            out[f"{T}embeddings.token_embedding.weight"] = v
        elif k == "text.positional_embedding":
            out[f"{T}embeddings.position_embedding.weight"] = v
        elif k.startswith("text.ln_final."):
            out[f"{T}final_layer_norm." + k.split(".")[-1]] = v
        elif k.startswith("text.text_projection."):
            out[f"{T}head." + k.split(".")[-1]] = v
        elif k in ("logit_scale", "logit_bias"):
            out[k] = v.reshape(1)
        else:
            raise KeyError(k)
    for kind in ("weight", "bias"):
        if ("q", kind) in out:
            out[f"{V}head.attention.in_proj_{kind}"] = torch.cat([out.pop(("q", kind)), out.pop(("kv", kind))], 0)
    return out


def openclip_part(spm_path, facts):
    import open_clip
    import timm
    from open_clip.model import CustomTextCLIP
    from safetensors.torch import save_file
    from transformers import SiglipConfig, SiglipModel
    OC_DIR.mkdir(parents=True, exist_ok=True)
    cfg = json.loads(json.dumps(OC_MODEL_CFG))
    cfg["text_cfg"]["vocab_size"] = facts["vocab"]
    torch.manual_seed(OC_SEED)
    model = CustomTextCLIP(embed_dim=cfg["embed_dim"], vision_cfg=cfg["vision_cfg"], text_cfg=cfg["text_cfg"],
                           init_logit_bias=cfg["init_logit_bias"])
    # open_clip's TimmModel passes no architecture kwargs to timm.create_model (only drop_path/patch_drop), so the
    # trunk it built is a full ViT-B/16; replace it by the same timm model with tiny overrides, built the way
    # TimmModel builds it for timm_pool "map" / timm_proj "none" (num_classes=0, global_pool="map").
    model.visual.trunk = timm.create_model(cfg["vision_cfg"]["timm_model_name"], pretrained=False, num_classes=0,
                                           global_pool="map", **OC_TIMM_KWARGS)
    model.eval()
    perturb(model, OC_SEED + 1)
    sd = {k: v.detach().contiguous() for k, v in model.state_dict().items()}
    save_file(sd, str(OC_DIR / "open_clip_model.safetensors"))
    doc = {"model_cfg": cfg, "preprocess_cfg": OC_PREPROCESS,
           "_clipz_note": "the timm trunk is vit_base_patch16_siglip_224 created with the overrides in "
                          "timm_model_kwargs (open_clip cannot pass them); open_clip ignores keys other than "
                          "model_cfg and preprocess_cfg",
           "timm_model_kwargs": OC_TIMM_KWARGS}
    (OC_DIR / "open_clip_config.json").write_text(json.dumps(doc, indent=2) + "\n")
    save_tokenizer(OC_DIR, spm_path)

    # Tokenizer as open_clip resolves it for a hub/local folder: get_tokenizer("local-dir:<folder>").
    oc_tok = open_clip.get_tokenizer("local-dir:" + str(OC_DIR))
    ids = oc_tok(MODEL_TEXTS)
    facts["oc_tokenizer"] = f"{type(oc_tok).__name__} wrapping {type(oc_tok.tokenizer).__name__}, context {oc_tok.context_length}"
    g = torch.Generator().manual_seed(OC_SEED + 2)
    pixels = torch.randn(2, 3, 32, 32, generator=g)
    m64 = model.double()
    with torch.no_grad():
        img = m64.encode_image(pixels.double(), normalize=False)
        txt = m64.encode_text(ids, normalize=False)
        cos = torch.nn.functional.normalize(img, dim=-1) @ torch.nn.functional.normalize(txt, dim=-1).T
        logits = m64.logit_scale.exp() * cos + m64.logit_bias
        fwd = m64(pixels.double(), ids)
    # forward() returns (normalized image, normalized text, logit_scale.exp(), logit_bias)
    facts["oc_forward_logit_check"] = float((fwd[0] @ fwd[1].T * fwd[2] + fwd[3] - logits).detach().abs().max())
    f = lambda t: t.detach().float().numpy()
    np.savez(OC_DIR / "golden.npz", **{k: np.ascontiguousarray(v) for k, v in dict(pixel_values=pixels.numpy(), image_embeds=f(img), input_ids=ids.numpy(),
             text_embeds=f(txt), logits=f(logits)).items()})
    (OC_DIR / "golden_texts.json").write_text(json.dumps({"texts": MODEL_TEXTS}, indent=1) + "\n")
    facts["oc_logit_scale"] = float(model.logit_scale.detach())
    facts["oc_logit_bias"] = float(model.logit_bias.detach())
    facts["oc_params"] = [(k, tuple(v.shape)) for k, v in sd.items()]
    facts["oc_text_act"] = repr(model.text.transformer.resblocks[0].mlp.gelu)
    facts["oc_vision_act"] = repr(model.visual.trunk.blocks[0].mlp.act)
    facts["oc_head_act"] = repr(model.visual.trunk.attn_pool.mlp.act)
    facts["oc_ids_equal_hf_golden"] = bool((ids.numpy() == np.load(HF_DIR / "golden.npz")["input_ids"]).all()) \
        if (HF_DIR / "golden.npz").exists() else None
    # Does open_clip itself load the folder? (It builds a full ViT-B/16 trunk from the config, so it cannot.)
    try:
        open_clip.create_model("local-dir:" + str(OC_DIR))
        facts["oc_local_dir_load"] = "loads"
    except Exception as e:  # noqa: BLE001
        lines = str(e).splitlines()
        facts["oc_local_dir_load"] = f"{type(e).__name__}: " + next((ln.strip() for ln in lines if "size mismatch" in ln), lines[0])[:200]

    # Check the name table: the same weights under HF names in a SiglipModel with exact GELU everywhere
    # (open_clip's v1 text tower and timm's ViT use exact GELU; HF SigLIP configs say gelu_pytorch_tanh).
    hf_sd = oc_to_hf(sd, 32)
    hcfg = SiglipConfig(
        text_config=dict(vocab_size=facts["vocab"], hidden_size=32, intermediate_size=64, num_hidden_layers=2,
                         num_attention_heads=4, max_position_embeddings=CONTEXT, projection_size=32, pad_token_id=1,
                         eos_token_id=1, bos_token_id=None, layer_norm_eps=1e-6, hidden_act="gelu"),
        vision_config=dict(image_size=32, patch_size=8, hidden_size=32, intermediate_size=64, num_hidden_layers=2,
                           num_attention_heads=4, layer_norm_eps=1e-6, hidden_act="gelu", vision_use_head=True))
    hm = SiglipModel(hcfg).eval()
    missing, unexpected = hm.load_state_dict(hf_sd, strict=False)
    facts["oc_table_missing"] = list(missing)
    facts["oc_table_unexpected"] = list(unexpected)
    hm = hm.double()
    with torch.no_grad():
        hi = hm.get_image_features(pixel_values=pixels.double()).pooler_output
        ht = hm.get_text_features(input_ids=ids).pooler_output
        hl = hm(input_ids=ids, pixel_values=pixels.double()).logits_per_image
    facts["oc_vs_hf_exact_gelu"] = [float((hi - img).abs().max()), float((ht - txt).abs().max()),
                                    float((hl - logits).abs().max())]
    hcfg.text_config.hidden_act = hcfg.vision_config.hidden_act = "gelu_pytorch_tanh"
    hm2 = SiglipModel(hcfg).eval()
    hm2.load_state_dict(hf_sd, strict=False)
    with torch.no_grad():
        hi2 = hm2.double().get_image_features(pixel_values=pixels.double()).pooler_output
    facts["oc_vs_hf_tanh_gelu_image"] = float((hi2 - img).abs().max())
    facts["oc_table"] = table_rows(sd, hf_sd)
    facts["oc_section"] = oc_section(facts)


def table_rows(sd, hf_sd):
    """One row per open_clip tensor of block/layer 0 (others follow by index) with its HF counterpart(s)."""
    rows = []
    hf_by_id = {}
    for k, v in hf_sd.items():
        hf_by_id.setdefault(k, v)
    for k, v in sd.items():
        if ".blocks.1." in k or ".resblocks.1." in k:
            continue
        single = oc_to_hf({k: v}, 32) if "attn_pool.q." not in k and "attn_pool.kv." not in k else None
        if single is None:
            kind = k.split(".")[-1]
            part = "[0:W]" if ".q." in k else "[W:3W]"
            rows.append((k, tuple(v.shape), f"vision_model.head.attention.in_proj_{kind}{part}"))
            continue
        names = list(single)
        if len(names) == 3:
            desc = " / ".join(names) + " (rows 0:W, W:2W, 2W:3W)"
        else:
            desc = names[0]
            if tuple(single[names[0]].shape) != tuple(v.shape):
                desc += f" {list(single[names[0]].shape)}"
        rows.append((k, tuple(v.shape), desc))
    return rows


class _Vision(torch.nn.Module):
    def __init__(self, m):
        super().__init__()
        self.m = m

    def forward(self, pixel_values):
        return self.m.get_image_features(pixel_values=pixel_values).pooler_output


class _Text(torch.nn.Module):
    def __init__(self, m):
        super().__init__()
        self.m = m

    def forward(self, input_ids):
        return self.m.get_text_features(input_ids=input_ids).pooler_output


def onnx_facts(path):
    import collections
    import onnx
    m = onnx.load(str(path))
    ops = collections.Counter(n.op_type for n in m.graph.node)
    dt = collections.Counter(onnx.TensorProto.DataType.Name(t.data_type) for t in m.graph.initializer)
    named = sum(1 for t in m.graph.initializer if t.name.startswith("m."))
    dims = lambda v: [d.dim_param or d.dim_value for d in v.type.tensor_type.shape.dim]
    return (f"`{path.name}`: opset {m.opset_import[0].version}, {len(m.graph.node)} nodes ("
            + ", ".join(f"{k} {v}" for k, v in ops.most_common()) + f"); {len(m.graph.initializer)} initializers "
            f"({named} with `m.` HF names, dtypes {dict(dt)}); inputs "
            + ", ".join(f"`{i.name}` {dims(i)}" for i in m.graph.input) + "; outputs "
            + ", ".join(f"`{o.name}` {dims(o)}" for o in m.graph.output))


def onnx_part(facts):
    import onnx
    import onnxruntime as ort
    from transformers import SiglipModel
    model = SiglipModel.from_pretrained(str(HF_DIR)).eval()
    gold = dict(np.load(HF_DIR / "golden.npz"))
    batch = torch.export.Dim("batch")
    px, ids = torch.from_numpy(gold["pixel_values"]), torch.from_numpy(gold["input_ids"])
    # (file, wrapper, input, example, output, golden key, dynamo): the legacy TorchScript exporter (dynamo=False, as
    # optimum and older scripts run it) traces nn.MultiheadAttention's in_proj cut into Slices whose bounds are
    # computed from Shape ops of the probe.
    jobs = [("vision.onnx", _Vision(model), "pixel_values", px, "image_embeds", "image_embeds_ort", True),
            ("text.onnx", _Text(model), "input_ids", ids, "text_embeds", "text_embeds_ort", True),
            ("vision_legacy.onnx", _Vision(model), "pixel_values", px, "image_embeds", "image_embeds_ort_legacy", False),
            ("text_legacy.onnx", _Text(model), "input_ids", ids, "text_embeds", "text_embeds_ort_legacy", False)]
    lines = []
    for name, mod, inp, x, out, key, dynamo in jobs:
        path = HF_DIR / name
        if dynamo:
            torch.onnx.export(mod, (x,), str(path), dynamo=True, input_names=[inp], output_names=[out],
                              dynamic_shapes={inp: {0: batch}})
        else:
            torch.onnx.export(mod, (x,), str(path), dynamo=False, opset_version=17, input_names=[inp],
                              output_names=[out], dynamic_axes={inp: {0: "batch"}})
        # One self-contained file, without the exporter's per-node metadata (stack traces with this script's
        # line numbers) so the bytes only change when the graph does.
        g = onnx.load(str(path))
        for n in g.graph.node:
            del n.metadata_props[:]
            n.doc_string = ""
        del g.metadata_props[:]
        g.graph.doc_string = ""
        data = pathlib.Path(str(path) + ".data")
        onnx.save(g, str(path), save_as_external_data=False)
        if data.exists():
            data.unlink()
        onnx.checker.check_model(str(path))
        sess = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
        got = sess.run(None, {inp: x.numpy()})[0]
        gold[key] = got.astype(np.float32)
        one = sess.run(None, {inp: x.numpy()[:1]})[0]
        lines.append(onnx_facts(path))
        lines.append(f"max abs diff ORT fp32 vs torch fp64 `{out}` (`{key}`): {np.abs(got - gold[out]).max():.2e}; "
                     f"batch 1 run vs row 0 of the batch run: {np.abs(one[0] - got[0]).max():.2e}")
    np.savez(HF_DIR / "golden.npz", **{k: np.ascontiguousarray(v) for k, v in gold.items()})
    facts["onnx_lines"] = lines
    facts["onnx_section"] = ("### `siglip_hf/` ONNX (`onnx` part)\n\n"
        "`vision.onnx` (`get_image_features(pixel_values).pooler_output`) and `text.onnx` (`get_text_features(input_ids)"
        ".pooler_output`, no attention_mask input) exported from the committed `siglip_hf` weights (float32) by "
        "`torch.onnx.export(wrapper, ..., dynamo=True, dynamic_shapes={input: {0: Dim(\"batch\")}})`; the wrapper's "
        "attribute is `m`, so named initializers carry an `m.` prefix. The files are re-saved with every initializer "
        "inside (no `.onnx.data`) and without node `metadata_props`/doc strings. `golden.npz` gains `image_embeds_ort` "
        "[2,32] and `text_embeds_ort` [3,32] (onnxruntime CPU, fp32, on `pixel_values` / `input_ids`). The MLPs use the "
        "opset-20 `Gelu` op with `approximate=\"tanh\"` (not an Erf/Tanh decomposition); the vision head's packed "
        "`in_proj` is split by `Split` nodes.\n\n"
        "`vision_legacy.onnx` and `text_legacy.onnx`: the same wrappers through the legacy TorchScript exporter, "
        "`torch.onnx.export(wrapper, ..., dynamo=False, opset_version=17, dynamic_axes={input: {0: \"batch\"}})`, "
        "re-saved the same way; `golden.npz` gains `image_embeds_ort_legacy` and `text_embeds_ort_legacy`. Their "
        "MLPs are the tanh GELU written out with Mul, Add and Tanh; the vision head's `nn.MultiheadAttention` cuts "
        "`in_proj_weight`/`in_proj_bias` with `Slice` nodes whose bounds are computed from the probe's shape "
        "(Shape -> Slice -> Squeeze -> Mul -> Unsqueeze -> Add), not constants.\n\n"
        + "\n".join(f"- {ln}" for ln in lines) + "\n")


if __name__ == "__main__":
    main(sys.argv[1:] or ["spm", "gemma", "hf", "odd", "openclip", "onnx"])
