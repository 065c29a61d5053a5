import { bootstrapService } from './bootstrap';
import { doctorService } from './doctor';
import { connectionInfoService, healthService, versionService } from './info';

export const systemServices = [healthService, versionService, doctorService, bootstrapService, connectionInfoService];
