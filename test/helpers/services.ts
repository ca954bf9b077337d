// The services as real processes: the one implementation lives with the scripts, which never
// import from test/.
export {
  type RunningService,
  root,
  SERVICES,
  type ServiceName,
  startService,
} from '../../scripts/lib/service-processes.js';
