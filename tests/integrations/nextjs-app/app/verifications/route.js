import { savedVerifications } from '@/lib/verifications';

export const dynamic = 'force-dynamic';
export const GET = () => Response.json(savedVerifications());
