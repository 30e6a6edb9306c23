#!/usr/bin/env python3
"""The README's copy tables, generated from the build manifests.

Usage: manifest_readme.py DUMP README.md           rewrite the section between the markers
       manifest_readme.py DUMP README.md --check   exit 1 if the section is not what it would write

DUMP is $(BUILD)/manifests.txt (make manifest-dump). `make readme-manifests` runs the first form,
`make check-manifests` (and so `make copy-check`, `make test`) the second.
"""
import os
import sys
from collections import defaultdict

BEGIN = '<!-- copy-tables:begin (generated from the manifests by `make readme-manifests`) -->'
END = '<!-- copy-tables:end -->'
SKIP = ('common', 'bench')  # not copied on their own: common/ comes with each family
PREFERRED = ('gemm_f32', 'gemm_f16', 'gemm_bf16', 'gemm_s8', 'binary', 'sparse_csr', 'sparse_24', 'reference')


def load(dump):
    fams, order = defaultdict(lambda: defaultdict(list)), []
    with open(dump) as f:
        for line in f:
            p = line.split()
            if len(p) < 3:
                continue
            if p[0] not in fams:
                order.append(p[0])
            if p[1] == 'src':
                fams[p[0]]['src'].append((p[2], ' '.join(p[3:])))
            else:
                fams[p[0]][p[1]].append(p[2])
    return order, fams


def flags_of(fams):
    return {s: fl for m in fams.values() for s, fl in m['src']}


def code(x):
    return '`' + x + '`'


def table(fam, fams, flags):
    m = fams[fam]
    d = m['dir'][0]
    rows = []
    own = [os.path.basename(h) for h in m['hdr']] + ['manifest.mk']
    rows.append((f'{code(d + "/")}, the whole folder: {", ".join(code(f) for f in own)} and the sources below', '—'))

    def grouped(paths, folder_label):
        by_flags = defaultdict(list)
        for s in paths:
            by_flags[flags[s]].append(os.path.basename(s))
        for fl, names in sorted(by_flags.items(), key=lambda kv: (len(kv[0]), kv[0])):
            rows.append((f'{folder_label}{", ".join(code(n) for n in names)}', code(fl) if fl else 'none'))

    cblas = [s for s, _ in m['src'] if s.endswith('/cblas_sgemm.cpp')]
    grouped([s for s, _ in m['src'] if s not in cblas], f'{d}/: ')
    for s in cblas:
        rows.append((f'{d}/: {code(os.path.basename(s))} (only for a `cblas_sgemm` symbol)', code(flags[s]) if flags[s] else 'none'))
    for root in ('common', 'reference'):
        uses = [u for u in m['uses'] if u.startswith(root + '/')]
        hdrs = [os.path.basename(u) for u in uses if not u.endswith('.cpp')]
        if hdrs:
            rows.append((f'{root}/: {", ".join(code(h) for h in hdrs)}', '—'))
        srcs = [u for u in uses if u.endswith('.cpp')]
        if srcs:
            grouped(srcs, f'{root}/: ')
    out = [f'**{d}** ({m["needs"] and "needs " + ", ".join(m["needs"]) or "nothing from other families"})', '',
           '| copy | ISA flags (compile each file with only its own) |', '| --- | --- |']
    out += [f'| {a} | {b} |' for a, b in rows]
    return '\n'.join(out)


def wrap(words, indent='    ', width=100):
    lines, cur = [], ''
    for w in words:
        if cur and len(cur) + 1 + len(w) > width - 2:
            lines.append(cur + ' \\')
            cur = indent + w
        else:
            cur = (cur + ' ' + w) if cur else w
    lines.append(cur)
    return lines


def recipe(fam, fams, flags, cxx='g++ -std=c++17 -O3 -fopenmp -I.'):
    """The explicit shell recipe for one family, every name and flag from its manifest."""
    m = fams[fam]
    d = m['dir'][0]
    commons = [u for u in m['uses'] if u.startswith('common/')]
    srcs = [u for u in commons if u.endswith('.cpp')] + [s for s, _ in m['src'] if not s.endswith('/cblas_sgemm.cpp')]
    assert len({os.path.basename(s) for s in srcs}) == len(srcs), 'object names would collide'
    out = ['mkdir -p your_project/cpu your_project/common', f'cp -r {d} your_project/cpu/']
    out += wrap(['cp'] + commons + ['your_project/common/'])
    out.append('cd your_project')
    by_flags = defaultdict(list)
    for src in srcs:
        by_flags[flags[src]].append(src)
    for fl, group in sorted(by_flags.items(), key=lambda kv: (len(kv[0]), kv[0])):
        out += wrap(cxx.split() + fl.split() + ['-c'] + group)
    out += wrap(['ar', 'rcs', f'libik_{fam}.a'] + [os.path.basename(s)[:-4] + '.o' for s in srcs])
    return '\n'.join(out)


def section(order, fams):
    flags = flags_of(fams)
    parts = [BEGIN, '', 'The fp32 GEMM by hand, as its manifest says:', '', '```sh',
             recipe('gemm_f32', fams, flags), '```', '', 'What to copy for each family, and the flags of each file:', '']
    first = [f for f in PREFERRED if f in order]
    for fam in first + [f for f in order if f not in first]:
        if fam in SKIP:
            continue
        parts += [table(fam, fams, flags), '']
    parts.append(END)
    return '\n'.join(parts)


def main():
    if len(sys.argv) < 3:
        print(__doc__)
        return 2
    dump, readme = sys.argv[1], sys.argv[2]
    check = '--check' in sys.argv[3:]
    order, fams = load(dump)
    text = open(readme).read()
    if BEGIN not in text or END not in text:
        print(f'manifest_readme: {readme} has no markers {BEGIN!r} ... {END!r}')
        return 1
    head, rest = text.split(BEGIN, 1)
    _, tail = rest.split(END, 1)
    new = head + section(order, fams) + tail
    if check:
        if new != text:
            print(f'manifest_readme: the copy tables in {readme} differ from the manifests: run `make readme-manifests`')
            return 1
        print(f'manifest_readme: the copy tables in {readme} match the manifests')
        return 0
    if new != text:
        open(readme, 'w').write(new)
        print(f'manifest_readme: {readme} updated')
    else:
        print(f'manifest_readme: {readme} already up to date')
    return 0


if __name__ == '__main__':
    sys.exit(main())
