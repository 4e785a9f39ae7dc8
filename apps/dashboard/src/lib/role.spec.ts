import { abilitiesOf } from './role';

describe('abilitiesOf', () => {
  it('a viewer only reads, an operator runs campaigns and registers models, an admin does everything', () => {
    expect(abilitiesOf('viewer')).toEqual({ role: 'viewer', operate: false, administer: false });
    expect(abilitiesOf('operator')).toEqual({ role: 'operator', operate: true, administer: false });
    expect(abilitiesOf('admin')).toEqual({ role: 'admin', operate: true, administer: true });
  });
});
