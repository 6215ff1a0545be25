// kunmap_local() takes the address kmap_local_page() returned, never the struct page * (BUILD_BUG_ON in
// highmem-internal.h); the page forms below are what a half-converted kunmap(page) looks like.
@unmap_page exists@
struct page *pg;
expression E;
position p;
@@
(
kunmap_local@p(pg)
|
kunmap_local@p(sg_page(E))
|
kunmap_local@p(E->bv_page)
|
kunmap_local@p(E.bv_page)
|
kunmap_local@p(virt_to_page(E))
|
kunmap_local@p(pfn_to_page(E))
)

@script:python@
p << unmap_page.p;
@@
print("KMAP_LOCAL_UNMAP_PAGE|%s|%s|%s" % (p[0].file, p[0].line, p[0].current_element))
