import { naturalCompare, naturalCompareIgnoringCase } from './collate';

describe('natural order', () => {
  it('orders numbers inside names by value', () => {
    expect(['ResNet101', 'ResNet18', 'ResNet50', 'ResNet34'].sort(naturalCompare)).toEqual([
      'ResNet18',
      'ResNet34',
      'ResNet50',
      'ResNet101',
    ]);
  });

  it('ignores case only where asked', () => {
    expect(naturalCompareIgnoringCase('pi-2', 'Pi-2')).toBe(0);
    expect(naturalCompare('pi-2', 'Pi-2')).not.toBe(0);
    expect(['rpi-10', 'Rpi-9', 'jetson'].sort(naturalCompareIgnoringCase)).toEqual(['jetson', 'Rpi-9', 'rpi-10']);
  });
});
