import { Link } from '../navigation/router';

export function RunLink({ id }: { id: string }) {
  return (
    <Link to={`/runs/${encodeURIComponent(id)}`} translate="no" ff="monospace" size="sm">
      {id}
    </Link>
  );
}
