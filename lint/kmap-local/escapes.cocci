// A local mapping belongs to the task that made it until kunmap_local(): it must not be stored in a struct,
// returned, or handed to a work item, a completion or a scatterlist for asynchronous (crypto, DMA) use.
@stored exists@
expression addr, page, E, E1, E2;
identifier fld;
position p;
@@
addr = kmap_local_page(page)
... when != kunmap_local(addr)
(
E->fld = <+... addr@p ...+>
|
E.fld = <+... addr@p ...+>
|
sg_init_one(E, <+... addr@p ...+>, E1)
|
sg_set_buf(E, <+... addr@p ...+>, E1)
|
queue_work@p(E, E1)
|
schedule_work@p(E)
|
complete@p(E)
|
kthread_run@p(E, E1, E2, ...)
)

@returned exists@
expression addr, page;
position p;
@@
addr = kmap_local_page(page)
... when != kunmap_local(addr)
return <+... addr@p ...+>;

@script:python@
p << stored.p;
@@
print("KMAP_LOCAL_ESCAPES|%s|%s|%s" % (p[0].file, p[0].line, p[0].current_element))

@script:python@
p << returned.p;
@@
print("KMAP_LOCAL_ESCAPES|%s|%s|%s" % (p[0].file, p[0].line, p[0].current_element))
