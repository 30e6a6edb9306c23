#!/usr/bin/env python3
"""Check the build manifests (*/manifest.mk) against the #include graph of the tree.

Usage: check_manifests.py DUMP            check; exit 1 on an error
       check_manifests.py DUMP --suggest  print, per family, the files the include graph says it needs

DUMP is the normalized form of every manifest that `make manifest-dump` writes
($(BUILD)/manifests.txt), one entry per line:

    <family> dir   <folder>
    <family> src   <path> [ISA flags...]
    <family> hdr   <path>
    <family> uses  <path>            a file of common/ or reference/ the family needs
    <family> needs <other family>    a family whose folder it includes

What the graph gives (no guessing from names, except the one rule below):
  * a family's own files are the .cpp/.h in its folder; each must be listed (src or hdr);
  * every file reached from them through `#include "..."` (transitively) that lies outside the
    folder must be a `uses` entry (common/, reference/) or lie in a `needs` family's folder;
  * a reached header X.h of common/ or reference/ brings the sources that implement it: the
    .cpp files of its folder whose first quoted #include is X.h (half_convert.h brings
    half_convert.cpp, half_convert_avx2.cpp, half_convert_avx512.cpp; half.h, included second
    by half_convert.cpp, brings none), whose includes are followed in turn. The link of each
    family's smoke program in `make copy-check` is what proves the rule sufficient.
Listed files the graph does not reach are reported as notes (common/dispatch.* are listed for
every family ahead of the families' move onto them).
"""
import os
import re
import sys
from collections import defaultdict

INCLUDE = re.compile(r'^\s*#\s*include\s*"([^"]+)"', re.M)
SOURCE_EXT = ('.cpp', '.h')
LIB_ROOTS = ('common', 'reference')


def includes(path, cache={}):
    if path not in cache:
        out = []
        with open(path, encoding='utf-8', errors='replace') as f:
            for inc in INCLUDE.findall(f.read()):
                # Quoted includes: the including file's folder first, then -I. (the root).
                local = os.path.normpath(os.path.join(os.path.dirname(path), inc))
                if os.path.isfile(local):
                    out.append(local)
                elif os.path.isfile(inc):
                    out.append(os.path.normpath(inc))
                else:
                    out.append('MISSING:' + inc)
        cache[path] = out
    return cache[path]


def implementing_sources(header):
    d = os.path.dirname(header)
    out = []
    for f in sorted(os.listdir(d)):
        p = os.path.join(d, f)
        if f.endswith('.cpp'):
            inc = includes(p)
            if inc and inc[0] == header:
                out.append(p)
    return out


def load(dump):
    fams = defaultdict(lambda: defaultdict(list))
    order = []
    with open(dump) as f:
        for line in f:
            parts = line.split()
            if len(parts) < 3:
                continue
            fam, key, val = parts[0], parts[1], parts[2]
            if fam not in fams:
                order.append(fam)
            fams[fam][key].append(val)
    return order, fams


def own_files(folder, recursive):
    out = []
    for root, dirs, files in os.walk(folder):
        out += [os.path.normpath(os.path.join(root, f)) for f in files if f.endswith(SOURCE_EXT)]
        if not recursive:
            break
    return sorted(out)


def main():
    if len(sys.argv) < 2:
        print(__doc__)
        return 2
    order, fams = load(sys.argv[1])
    suggest = '--suggest' in sys.argv[2:]
    dir_of = {fam: fams[fam]['dir'][0] for fam in order}
    fam_of_dir = {d: fam for fam, d in dir_of.items()}
    errors, notes = [], []
    unreached = defaultdict(list)

    def family_of(path):
        best = None
        for d, fam in fam_of_dir.items():
            if path.startswith(d + '/') and (best is None or len(d) > len(dir_of[best])):
                best = fam
        return best

    for fam in order:
        m = fams[fam]
        folder = dir_of[fam]
        listed_own = set(m['src']) | set(m['hdr'])
        for p in sorted(listed_own | set(m['uses'])):
            if not os.path.isfile(p):
                errors.append(f'{fam}: listed file {p} does not exist')
        own = own_files(folder, recursive=(fam == 'bench'))
        # A family folder with sub-folders that are families themselves (none today) stays apart.
        own = [p for p in own if family_of(p) == fam]
        for p in own:
            if p not in listed_own:
                errors.append(f'{fam}: {p} is in {folder}/ but not in {folder}/manifest.mk')
        # Walk the include graph from the family's own files.
        needed, needs_fams, why = set(), set(), defaultdict(set)
        work = list(own)
        seen = set(work)
        while work:
            p = work.pop()
            for q in includes(p):
                if q.startswith('MISSING:'):
                    errors.append(f'{fam}: {p} includes "{q[8:]}", which does not exist')
                    continue
                qf = family_of(q)
                if qf == fam:
                    pass
                elif qf in LIB_ROOTS:
                    needed.add(q)
                else:
                    needs_fams.add(qf if qf else q)
                    continue  # that family's own manifest answers for its dependencies
                why[q].add(f'included by {p}')
                nxt = [q] + (implementing_sources(q) if qf in LIB_ROOTS and qf != fam else [])
                for r in nxt:
                    if qf != fam and r != q:
                        needed.add(r)
                        why[r].add(f'implements {q}')
                    if r not in seen:
                        seen.add(r)
                        work.append(r)
        if suggest:
            print(f'{fam}:')
            print('  uses  ' + ' '.join(sorted(needed)))
            print('  needs ' + ' '.join(sorted(needs_fams)))
            continue
        uses = set(m['uses'])
        for p in sorted(needed - uses):
            errors.append(f'{fam}: needs {p} ({"; ".join(sorted(why[p]))}) but {folder}/manifest.mk '
                          f'does not list it in {fam}_{"REFERENCE" if p.startswith("reference/") else "COMMON"}')
        for p in sorted(uses - needed):
            if p.endswith(SOURCE_EXT):  # common/manifest.mk: the flags of the sources, not code
                unreached[p].append(fam)
        for f2 in sorted(needs_fams - set(m['needs'])):
            errors.append(f'{fam}: includes files of {f2} but does not list it in {fam}_NEEDS')
        for f2 in sorted(set(m['needs']) - needs_fams):
            notes.append(f'{fam}: lists {f2} in {fam}_NEEDS, but includes nothing of it')
    if suggest:
        return 0
    for p, who in sorted(unreached.items()):
        notes.append(f'{p} is listed by {", ".join(who)}, none of whose files includes it (yet)')
    for n in notes:
        print('note: ' + n)
    for e in errors:
        print('error: ' + e)
    if errors:
        print(f'check_manifests: {len(errors)} error(s)')
        return 1
    print(f'check_manifests: {len(order)} manifests agree with the #include graph')
    return 0


if __name__ == '__main__':
    sys.exit(main())
