// Vite answers only the hosts it knows (DNS-rebinding protection); the app hosts are
// <port>.<workspace host>, so allow the workspace domain. Nothing else is needed behind Codermon.
export default {
  server: { allowedHosts: ['.codermon.internal'] },
};
