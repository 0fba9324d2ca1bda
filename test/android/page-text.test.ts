import { describe, expect, it } from 'vitest';
import { textsAt } from '../../drivers/android/page-text.ts';

// A page source as UiAutomator2 writes it (attributes trimmed to those read here).
const SOURCE = `<?xml version="1.0" encoding="UTF-8"?>
<hierarchy rotation="0">
  <android.widget.FrameLayout resource-id="com.android.chrome:id/new_tab_incognito_container" text="">
    <android.widget.TextView resource-id="a" text="First line"/>
    <android.widget.LinearLayout text="">
      <android.widget.TextView resource-id="b" text="Second &amp; last"/>
    </android.widget.LinearLayout>
  </android.widget.FrameLayout>
  <android.widget.TextView text="Outside the page"/>
</hierarchy>`;

describe('page source texts', () => {
  it('should take, in document order, the non-empty texts an XPath selects under a container', () => {
    const under = '//*[@resource-id="com.android.chrome:id/new_tab_incognito_container"]';
    expect(textsAt(SOURCE, `${under}//@text`)).toEqual(['First line', 'Second & last']);
    expect(textsAt(SOURCE, `${under}//android.widget.TextView`)).toEqual(['First line', 'Second & last']);
    expect(textsAt(SOURCE, '//*[@resource-id="missing"]//@text')).toEqual([]);
  });

  it('should name the expression that is not XPath, and say when the source is not XML', () => {
    expect(() => textsAt(SOURCE, '//*[@text=')).toThrow('"//*[@text=" is not an XPath 1.0 expression');
    expect(() => textsAt('<hierarchy><node></hierarchy>', '//@text')).toThrow('the page source is not XML');
  });
});
