import { useCallback, useEffect, useMemo, useState } from 'react';
import { createGatewayClient, GatewayError } from './api/gateway-client';
import { fetchKeyInfo, type KeyInfo } from './api/key-info';
import { clearSessionKey, loadSessionKey, saveSessionKey } from './api/session';
import { ErrorMessage } from './components/error-message';
import { formatUsd } from './components/format';
import { AdminPage } from './pages/admin-page';
import { HistoryPage } from './pages/history-page';
import { KeysPage } from './pages/keys-page';
import { ModelPage } from './pages/model-page';
import { ModelsPage } from './pages/models-page';
import type { PageProps } from './pages/page-props';
import { PlaygroundPage } from './pages/playground-page';
import { SignInPage } from './pages/sign-in-page';
import { UsagePage } from './pages/usage-page';
import { Link, navigate, useLocation } from './router';

interface NavItem {
  path: string;
  label: string;
  adminOnly?: boolean;
}

const NAV: NavItem[] = [
  { path: '/models', label: 'Models' },
  { path: '/playground', label: 'Playground' },
  { path: '/history', label: 'History' },
  { path: '/usage', label: 'Usage' },
  { path: '/keys', label: 'Keys' },
  { path: '/admin', label: 'Admin', adminOnly: true },
];

export function App() {
  const [key, setKey] = useState<string | null>(loadSessionKey);
  const [me, setMe] = useState<KeyInfo | null>(null);
  const [error, setError] = useState<unknown>(null);
  const client = useMemo(() => (key === null ? null : createGatewayClient(key)), [key]);

  const signOut = useCallback(() => {
    clearSessionKey();
    setKey(null);
    setMe(null);
    navigate('/', { replace: true });
  }, []);

  const refreshMe = useCallback(() => {
    if (client === null) return;
    fetchKeyInfo(client)
      .then((info) => {
        setMe(info);
        setError(null);
      })
      .catch((caught: unknown) => {
        // A key revoked or expired while signed in: back to the sign-in page, saying why.
        if (caught instanceof GatewayError && caught.status === 401) signOut();
        setError(caught);
      });
  }, [client, signOut]);

  useEffect(() => {
    if (client !== null && me === null) refreshMe();
  }, [client, me, refreshMe]);

  if (key === null || client === null) {
    return (
      <SignInPage
        onSignedIn={(signedIn, info) => {
          saveSessionKey(signedIn);
          setKey(signedIn);
          setMe(info);
          setError(null);
          if (location.pathname === '/' || location.pathname === '/sign-in') navigate('/models', { replace: true });
        }}
      />
    );
  }
  if (me === null) {
    return <main className="loading">{error ? <ErrorMessage error={error} /> : <p aria-live="polite">Loading…</p>}</main>;
  }
  const props: PageProps = { client, me, refreshMe };
  return (
    <div className="shell">
      <header className="topbar">
        <Link to="/models" className="brand">
          ImageRouter
        </Link>
        <nav aria-label="Main">
          <Navigation admin={me.admin} />
        </nav>
        <div className="whoami">
          <span title={`key ${me.prefix}… of account ${me.account.name}`}>
            {me.name}
            {me.admin ? ' (admin)' : ''} · {me.account.unlimited ? 'unlimited' : formatUsd(me.account.balance)}
          </span>
          <button type="button" className="secondary" onClick={signOut}>
            Sign out
          </button>
        </div>
      </header>
      <main className="content">
        <CurrentPage {...props} />
      </main>
    </div>
  );
}

function Navigation({ admin }: { admin: boolean }) {
  const { path } = useLocation();
  return (
    <ul>
      {NAV.filter((item) => admin || !item.adminOnly).map((item) => (
        <li key={item.path}>
          <Link to={item.path} aria-current={path === item.path || path.startsWith(`${item.path}/`) ? 'page' : undefined}>
            {item.label}
          </Link>
        </li>
      ))}
    </ul>
  );
}

function CurrentPage(props: PageProps) {
  const { path } = useLocation();
  if (path.startsWith('/models/')) return <ModelPage {...props} modelId={decodeURIComponent(path.slice('/models/'.length))} />;
  switch (path) {
    case '/playground':
      return <PlaygroundPage {...props} />;
    case '/history':
      return <HistoryPage {...props} />;
    case '/usage':
      return <UsagePage {...props} />;
    case '/keys':
      return <KeysPage {...props} />;
    case '/admin':
      return props.me.admin ? <AdminPage {...props} /> : <p>This page needs an admin key.</p>;
    default:
      return <ModelsPage {...props} />;
  }
}
