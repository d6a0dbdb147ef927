document.querySelector('#message').textContent = 'hello from vite';
