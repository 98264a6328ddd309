import '@mantine/core/styles.css';
import '@mantine/dates/styles.css';
import './console.css';
import { createRoot } from 'react-dom/client';
import { App } from './App';

createRoot(document.getElementById('root')!).render(<App />);
