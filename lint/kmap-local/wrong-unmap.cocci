// A kmap_local_page() mapping released with kunmap_atomic() (re-enables preemption that was never disabled) or
// kunmap() (takes the page and pairs with kmap()): it must be kunmap_local(addr).
@wrong_unmap exists@
expression addr, page, E;
position p;
@@
addr = kmap_local_page(page)
... when != addr = E
(
kunmap_atomic@p(addr)
|
kunmap@p(page)
|
kunmap@p(addr)
)

@script:python@
p << wrong_unmap.p;
@@
print("KMAP_LOCAL_WRONG_UNMAP|%s|%s|%s" % (p[0].file, p[0].line, p[0].current_element))
