// Nested local mappings are a per-task stack: the inner one (b) must be released before the outer one (a);
// kunmap_local_indexed() WARNs otherwise, on kernels where the mapping is real. A loop that maps the same variable
// again after a conditional unmap is not nesting: a and b must differ, and a must not be mapped anew in between.
@lifo exists@
expression a, b, pa, pb, E;
position p;
@@
a = kmap_local_page(pa)
... when != kunmap_local(a)
    when != a = E
b = kmap_local_page(pb)
... when != kunmap_local(b)
kunmap_local@p(a)

@script:python@
p << lifo.p;
a << lifo.a;
b << lifo.b;
@@
if a != b:
    print("KMAP_LOCAL_LIFO|%s|%s|%s" % (p[0].file, p[0].line, p[0].current_element))
