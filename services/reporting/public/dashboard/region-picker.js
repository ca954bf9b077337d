// Finds the township to show from the key alone. `regions` lists only the regions on the way down
// to the key's own region and those inside it, so from the top each level has one way down until
// the key's region: a township key lands on its township, a county key gets a choice of townships.

import { graphql } from './graphql-client.js';

const REGIONS = /* GraphQL */ `
  query DashboardRegions($parent: String) {
    regions(parentCode: $parent) { code name level }
  }
`;

const CHOOSE = { province: '请选择省', city: '请选择市', county: '请选择区县', township: '请选择乡镇' };
const REMEMBERED = 'rmi.dashboard.township';

/**
 * Selects in `container`, one per level that offers a choice; `onTownship` gets the township once
 * known. The last township chosen in this window is chosen again after a reload.
 */
export function createRegionPicker(container, onTownship) {
  let generation = 0;

  async function level(parentCode, run) {
    const { regions } = await graphql(REGIONS, { parent: parentCode });
    if (run !== generation) return;
    if (regions.length === 0) throw new Error('这个密钥的范围内没有乡镇。');
    const [only] = regions;
    if (regions.length === 1) {
      if (only.level !== 'township') return level(only.code, run);
      sessionStorage.setItem(REMEMBERED, only.code);
      const fixed = document.createElement('span');
      fixed.className = 'region-fixed';
      fixed.textContent = only.name;
      container.append(fixed);
      return onTownship(only);
    }
    const select = document.createElement('select');
    select.setAttribute('aria-label', CHOOSE[only.level] ?? '请选择');
    select.append(new Option(CHOOSE[only.level] ?? '请选择', ''));
    for (const r of regions) select.append(new Option(r.name, r.code));
    container.append(select);
    const chosen = async () => {
      while (select.nextSibling) select.nextSibling.remove();
      const region = regions.find((r) => r.code === select.value);
      if (!region) return;
      if (region.level === 'township') {
        sessionStorage.setItem(REMEMBERED, region.code);
        return onTownship(region);
      }
      return level(region.code, run);
    };
    select.addEventListener('change', () => chosen().catch(report));
    const remembered = sessionStorage.getItem(REMEMBERED) ?? '';
    const earlier = regions.find((r) => remembered.startsWith(r.code));
    if (earlier) {
      select.value = earlier.code;
      return chosen();
    }
  }

  let report = () => {};
  return {
    /** Starts from the top; errors of the first levels reject, those after a choice go to `onError`. */
    start(onError) {
      report = onError;
      generation += 1;
      container.replaceChildren();
      return level(null, generation);
    },
    forget() {
      sessionStorage.removeItem(REMEMBERED);
    },
  };
}
