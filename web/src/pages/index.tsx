import { match } from '../router';
import { AuditPage } from './audit';
import { DeadLetterQueuePage, DeadLettersPage } from './dead-letters';
import { DefinitionEditPage, DefinitionsPage } from './definitions';
import { ExecutionPage } from './execution';
import { ExecutionsPage } from './executions';
import { InquiriesPage, InquiryPage } from './inquiries';
import { KeysPage } from './keys';
import { OverviewPage } from './overview';
import { WorkersPage } from './workers';

/** The console's routes: each path the api role answers with index.html. */
export function Pages({ path }: { path: string }) {
  const [pathname, search = ''] = path.split('?');
  const query = new URLSearchParams(search);
  let params;
  if (pathname === '/') return <OverviewPage />;
  if (pathname === '/executions') return <ExecutionsPage query={query} />;
  if ((params = match('/executions/:id', pathname))) return <ExecutionPage id={params.id} />;
  if ((params = match('/definitions/:kind', pathname)))
    return <DefinitionsPage kind={params.kind} />;
  if ((params = match('/definitions/:kind/new', pathname)))
    return <DefinitionEditPage kind={params.kind} />;
  if ((params = match('/definitions/:kind/:ref', pathname)))
    return <DefinitionEditPage kind={params.kind} ref={params.ref} />;
  if (pathname === '/inquiries') return <InquiriesPage />;
  if ((params = match('/inquiries/:id', pathname))) return <InquiryPage id={params.id} />;
  if (pathname === '/dead-letters') return <DeadLettersPage />;
  if ((params = match('/dead-letters/:queue', pathname)))
    return <DeadLetterQueuePage queue={params.queue} />;
  if (pathname === '/workers') return <WorkersPage />;
  if (pathname === '/keys') return <KeysPage />;
  if (pathname === '/audit') return <AuditPage />;
  return (
    <section>
      <h1>Not found</h1>
      <p>The console has no page at {pathname}.</p>
    </section>
  );
}
