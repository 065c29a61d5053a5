import { bootstrapService } from './bootstrap';
import { doctorService } from './doctor';
import { connectionInfoService, healthService, versionService } from './info';
import { trustEditorOriginService } from './editorOrigins';

export const systemServices = [healthService, versionService, doctorService, bootstrapService, connectionInfoService, trustEditorOriginService];
