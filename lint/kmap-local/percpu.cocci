// kmap_atomic() disabled preemption; kmap_local_page() does not. Per-CPU state or smp_processor_id() used while
// a local mapping is held (and preemption is not disabled explicitly) relied on the old side effect.
@percpu exists@
expression addr, page;
identifier f =~ "^(smp_processor_id|this_cpu_[a-z_]+|__this_cpu_[a-z_]+|raw_cpu_[a-z_]+|this_cpu_ptr|per_cpu_ptr|per_cpu|get_cpu_ptr|get_cpu_var|raw_smp_processor_id)$";
position p;
@@
addr = kmap_local_page(page)
... when != kunmap_local(addr)
    when != preempt_disable()
    when != get_cpu()
    when != local_irq_disable()
    when != local_irq_save(...)
    when != spin_lock_irqsave(...)
    when != local_bh_disable()
f@p(...)

@script:python@
p << percpu.p;
@@
print("KMAP_LOCAL_PERCPU|%s|%s|%s" % (p[0].file, p[0].line, p[0].current_element))
