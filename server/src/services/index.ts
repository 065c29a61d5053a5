// Every implemented operation. Adding an area: `services/<area>/index.ts` exports its implementations; list them here.
import type { Implementation } from './registry';
import { modelServices } from './models';
import { systemServices } from './system';

export const allServices: readonly Implementation[] = [...systemServices, ...modelServices];
