// Nested local mappings are a per-task stack: the inner one (b) must be released before the outer one (a);
// kunmap_local_indexed() WARNs otherwise, on kernels where the mapping is real.
@r exists@
expression a, b, pa, pb;
position p;
@@
a = kmap_local_page(pa)
... when != kunmap_local(a)
b = kmap_local_page(pb)
... when != kunmap_local(b)
kunmap_local@p(a)

@script:python@
p << r.p;
@@
print("KMAP_LOCAL_LIFO|%s|%s|%s" % (p[0].file, p[0].line, p[0].current_element))
