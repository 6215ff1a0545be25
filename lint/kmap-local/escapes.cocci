// A local mapping belongs to the task that made it until kunmap_local(). It escapes when its ADDRESS (addr,
// addr + off, a cast of it, &addr[i], &addr->f) is handed to a scatterlist (DMA, async crypto), a new thread or
// another CPU, or is stored in a struct or a global and the task then starts or wakes another context (a work item,
// a completion, a wakeup) while it is still mapped. Values read THROUGH the mapping (addr[i], addr->f,
// le64_to_cpu(sb->f)) are not the mapping; and returning it to the caller keeps it in the same task, as upstream's
// own helpers do (sdhci_kmap_atomic(), erofs_bread(), bvec_kmap_local()).
@initialize:python@
@@
import re

def kpci_tokens(text):
    return re.findall(r"[A-Za-z_]\w*|->|\d+|\S", text)

def kpci_address_of(mapping, value):
    """Whether the expression `value` is the mapping's address rather than something read through it."""
    tokens, want = kpci_tokens(value), kpci_tokens(mapping)
    n = len(want)
    for i in range(len(tokens) - n + 1):
        if tokens[i:i + n] != want:
            continue
        before = tokens[i - 1] if i > 0 else ""
        after = tokens[i + n] if i + n < len(tokens) else ""
        if (after in ("->", "[", ".") and before != "&") or before == "*":
            continue  # addr->f, addr[i], *addr: a value read through the mapping
        depth, argument = 0, False
        for j in range(i - 1, -1, -1):  # inside a call's arguments: f(addr) is f's result, not the address
            if tokens[j] == ")":
                depth += 1
            elif tokens[j] == "(":
                if depth > 0:
                    depth -= 1
                elif j > 0 and re.match(r"[A-Za-z_]", tokens[j - 1]):
                    argument = True
                    break
        if not argument:
            return True
    return False

@handed exists@
expression addr, page, E, E1, E2, A;
position p;
@@
addr = kmap_local_page(page)
... when != kunmap_local(addr)
    when != addr = E
(
sg_init_one@p(E1, A, E2)
|
sg_set_buf@p(E1, A, E2)
|
kthread_run@p(E1, A, ...)
|
kthread_create@p(E1, A, ...)
|
smp_call_function_single@p(E1, E2, A, ...)
|
on_each_cpu@p(E1, A, ...)
)

@stored exists@
expression addr, page, E, E1, V;
identifier fld;
global idexpression G;
position p;
@@
addr = kmap_local_page(page)
... when != kunmap_local(addr)
    when != addr = E
(
E1->fld = V@p
|
E1.fld = V@p
|
G = V@p
)
... when != kunmap_local(addr)
(
queue_work(...)
|
queue_work_on(...)
|
queue_delayed_work(...)
|
mod_delayed_work(...)
|
schedule_work(...)
|
schedule_delayed_work(...)
|
kthread_queue_work(...)
|
complete(...)
|
complete_all(...)
|
wake_up_process(...)
|
wake_up(...)
|
tasklet_schedule(...)
|
call_rcu(...)
)

@script:python@
p << handed.p;
addr << handed.addr;
a << handed.A;
@@
if kpci_address_of(addr, a):
    print("KMAP_LOCAL_ESCAPES|%s|%s|%s" % (p[0].file, p[0].line, p[0].current_element))

@script:python@
p << stored.p;
addr << stored.addr;
v << stored.V;
@@
if kpci_address_of(addr, v):
    print("KMAP_LOCAL_ESCAPES|%s|%s|%s" % (p[0].file, p[0].line, p[0].current_element))
