/**
 * The TemplateStore over Azure Table Storage (Azurite): names unique without case, every change
 * compare-and-set on the version an admin started from, an import all or nothing.
 */
import { randomBytes } from 'node:crypto';
import { TableClient } from '@azure/data-tables';
import { describe, expect, inject, it } from 'vitest';
import { createTableTemplateStore } from '../../src/storage/index.js';
import { marketingTemplate } from '../onboarding/template-fakes.js';

describe('table template store', () => {
  const connectionString = inject('azuriteConnectionString');
  const open = () => {
    const tableName = `Templates${randomBytes(5).toString('hex')}`;
    return { tableName, store: createTableTemplateStore({ connectionString, tableName }) };
  };
  const sales = marketingTemplate({ id: '7e3a0000-0000-4000-8000-00000000e002', name: 'Sales', departments: ['Sales'] });

  it('when templates are created, then they read back by name with a version; a second template of the same name in another case is refused', async () => {
    const { store } = open();
    expect(await store.list()).toEqual([]);
    const created = await store.create(sales);
    expect(created).toMatchObject({ kind: 'created', version: expect.stringMatching(/.+/) });
    await store.create(marketingTemplate());
    const listed = await store.list();
    expect(listed.map((s) => s.template.name)).toEqual(['Marketing', 'Sales']);
    expect(listed[1]).toEqual({ template: sales, version: created.kind === 'created' ? created.version : '' });
    expect(await store.create(marketingTemplate({ id: '7e3a0000-0000-4000-8000-00000000e009', name: ' MARKETING ' }))).toEqual({ kind: 'name-taken' });
    expect(await store.list()).toHaveLength(2);
  });

  it('when two admins change the same template, then the second (with the old version) is refused and the first change stays', async () => {
    const { store } = open();
    await store.create(marketingTemplate());
    const [opened] = await store.list();
    const first = await store.update(marketingTemplate({ departments: ['Marketing', 'Brand'] }), opened!);
    expect(first.kind).toBe('updated');
    expect(await store.update(marketingTemplate({ departments: ['PR'] }), opened!)).toEqual({ kind: 'conflict' });
    expect(await store.remove(opened!)).toEqual({ kind: 'conflict' });
    expect((await store.list())[0]?.template.departments).toEqual(['Marketing', 'Brand']);
  });

  it('when a template is renamed, then its old name is free and its new one taken; renaming onto another\'s name is refused and changes nothing', async () => {
    const { store } = open();
    await store.create(marketingTemplate());
    await store.create(sales);
    const marketing = (await store.list()).find((s) => s.template.name === 'Marketing')!;
    expect(await store.update(marketingTemplate({ name: 'sales' }), marketing)).toEqual({ kind: 'name-taken' });
    const renamed = await store.update(marketingTemplate({ name: 'Brand' }), marketing);
    expect(renamed.kind).toBe('updated');
    expect(await store.create(marketingTemplate({ id: '7e3a0000-0000-4000-8000-00000000e003', name: 'Marketing' }))).toMatchObject({ kind: 'created' });
    expect((await store.list()).map((s) => s.template.name)).toEqual(['Brand', 'Marketing', 'Sales']);
  });

  it('when a template is removed, then it is gone and its name can be used again, even if the name row outlived it (a crash between the two deletes)', async () => {
    const { store, tableName } = open();
    await store.create(marketingTemplate());
    const [stored] = await store.list();
    expect(await store.remove(stored!)).toEqual({ kind: 'removed' });
    expect(await store.list()).toEqual([]);
    // A crash after the template row was deleted: the name row remains, stale.
    const raw = TableClient.fromConnectionString(connectionString, tableName, { allowInsecureConnection: true });
    await store.create(sales);
    const salesRow = (await store.list())[0]!;
    await raw.deleteEntity('templates', `t:${salesRow.template.id}`);
    expect(await store.create(marketingTemplate({ id: '7e3a0000-0000-4000-8000-00000000e004', name: 'Sales' }))).toMatchObject({ kind: 'created' });
  });

  it('when an import creates and updates several templates and one of them was changed meanwhile, then nothing at all is written', async () => {
    const { store } = open();
    await store.create(marketingTemplate());
    const [before] = await store.list();
    await store.update(marketingTemplate({ departments: ['Changed'] }), before!);
    const outcome = await store.applyAll([
      { kind: 'create', template: sales },
      { kind: 'update', template: marketingTemplate({ departments: ['Imported'] }), previous: before! },
    ]);
    expect(outcome).toEqual({ kind: 'conflict' });
    expect((await store.list()).map((s) => [s.template.name, s.template.departments])).toEqual([['Marketing', ['Changed']]]);
    const [current] = await store.list();
    expect(await store.applyAll([{ kind: 'create', template: sales }, { kind: 'update', template: marketingTemplate({ departments: ['Imported'] }), previous: current! }]))
      .toEqual({ kind: 'applied' });
    expect((await store.list()).map((s) => [s.template.name, s.template.departments])).toEqual([['Marketing', ['Imported']], ['Sales', ['Sales']]]);
  });

  it('when a recent list will do, then it is remembered for a while, but never past a write of this store; other instances\' writes show once it runs out', async () => {
    const tableName = `Templates${randomBytes(5).toString('hex')}`;
    let time = 0;
    const store = createTableTemplateStore({ connectionString, tableName, recentMs: 10_000, now: () => time });
    const elsewhere = createTableTemplateStore({ connectionString, tableName });
    expect(await store.list({ recent: true })).toEqual([]);
    await elsewhere.create(sales);
    expect(await store.list({ recent: true })).toEqual([]);
    expect((await store.list()).map((s) => s.template.name)).toEqual(['Sales']);
    await store.create(marketingTemplate());
    expect((await store.list({ recent: true })).map((s) => s.template.name)).toEqual(['Marketing', 'Sales']);
    await elsewhere.create(marketingTemplate({ id: '7e3a0000-0000-4000-8000-00000000e005', name: 'Brand' }));
    expect(await store.list({ recent: true })).toHaveLength(2);
    time += 10_001;
    expect(await store.list({ recent: true })).toHaveLength(3);
  });
});
